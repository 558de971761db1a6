-- A photo uploaded through the API by a token (not an account) remembers
-- the token, so that only that token can read it before it is linked and
-- link it to an order. Until now such an upload had no uploader, and any
-- principal that knew its 128-bit name could link it.
ALTER TABLE wo_attachments ADD COLUMN uploaded_token INTEGER REFERENCES api_tokens(id);
