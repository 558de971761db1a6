-- columns
api_token_scopes.token_id bigint NOT NULL
api_token_scopes.area_id bigint NOT NULL
api_tokens.id bigint NOT NULL
api_tokens.name text NOT NULL
api_tokens.token_hash text NOT NULL
api_tokens.role text NOT NULL
api_tokens.created_by bigint NOT NULL
api_tokens.created_at timestamp with time zone NOT NULL
api_tokens.last_used_at timestamp with time zone
api_tokens.revoked_at timestamp with time zone
area_history.id bigint NOT NULL
area_history.area_id bigint NOT NULL
area_history.action text NOT NULL
area_history.parent_id bigint
area_history.name text NOT NULL
area_history.code text NOT NULL
area_history.path text NOT NULL
area_history.actor_id bigint
area_history.at timestamp with time zone NOT NULL
areas.id bigint NOT NULL
areas.parent_id bigint
areas.level text NOT NULL
areas.name text NOT NULL
areas.code text NOT NULL
areas.path text NOT NULL DEFAULT ''::text
areas.retired_at timestamp with time zone
areas.created_at timestamp with time zone NOT NULL
areas.updated_at timestamp with time zone NOT NULL
areas.version bigint NOT NULL DEFAULT 1
audit.seq bigint NOT NULL
audit.at timestamp with time zone NOT NULL
audit.actor_id bigint NOT NULL
audit.actor_name text NOT NULL
audit.role text NOT NULL
audit.action text NOT NULL
audit.object_type text NOT NULL
audit.object_id text NOT NULL
audit.area_id bigint NOT NULL
audit.outcome text NOT NULL
audit.client_ip text NOT NULL
audit.request_id text NOT NULL
audit.purpose text NOT NULL
audit.detail text NOT NULL
audit.prev_hash text NOT NULL
audit.hash text NOT NULL
audit_head.id integer NOT NULL
audit_head.seq bigint NOT NULL
audit_head.hash text NOT NULL
audit_head.prev_hash text NOT NULL
org_units.id bigint NOT NULL
org_units.name text NOT NULL
org_units.kind text NOT NULL
org_units.area_id bigint NOT NULL
org_units.created_at timestamp with time zone NOT NULL
password_history.user_id bigint NOT NULL
password_history.password_hash text NOT NULL
password_history.at timestamp with time zone NOT NULL
recovery_codes.user_id bigint NOT NULL
recovery_codes.code_hash text NOT NULL
schema_migrations.version text NOT NULL
schema_migrations.applied_at text NOT NULL
sessions.id bigint NOT NULL
sessions.token_hash text NOT NULL
sessions.user_id bigint NOT NULL
sessions.mfa text NOT NULL
sessions.created_at timestamp with time zone NOT NULL
sessions.last_seen_at timestamp with time zone NOT NULL
sessions.expires_at timestamp with time zone NOT NULL
sessions.ip text NOT NULL DEFAULT ''::text
sessions.user_agent text NOT NULL DEFAULT ''::text
sessions.revoked_at timestamp with time zone
settings.key text NOT NULL
settings.value text NOT NULL
user_roles.user_id bigint NOT NULL
user_roles.role text NOT NULL
user_scopes.user_id bigint NOT NULL
user_scopes.area_id bigint NOT NULL
users.id bigint NOT NULL
users.username text NOT NULL
users.display_name text NOT NULL
users.password_hash text NOT NULL
users.org_unit_id bigint
users.disabled_at timestamp with time zone
users.totp_secret text NOT NULL DEFAULT ''::text
users.totp_enabled integer NOT NULL DEFAULT 0
users.totp_last_step bigint NOT NULL DEFAULT 0
users.failed_logins integer NOT NULL DEFAULT 0
users.locked_until timestamp with time zone
users.password_changed_at timestamp with time zone NOT NULL
users.must_change_password integer NOT NULL DEFAULT 0
users.last_login_at timestamp with time zone
users.created_at timestamp with time zone NOT NULL
users.updated_at timestamp with time zone NOT NULL

-- constraints
api_token_scopes api_token_scopes_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
api_token_scopes api_token_scopes_pkey PRIMARY KEY (token_id, area_id)
api_token_scopes api_token_scopes_token_id_fkey FOREIGN KEY (token_id) REFERENCES api_tokens(id)
api_tokens api_tokens_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id)
api_tokens api_tokens_pkey PRIMARY KEY (id)
api_tokens api_tokens_token_hash_key UNIQUE (token_hash)
area_history area_history_action_check CHECK ((action = ANY (ARRAY['create'::text, 'rename'::text, 'move'::text, 'recode'::text, 'retire'::text])))
area_history area_history_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
area_history area_history_pkey PRIMARY KEY (id)
areas areas_level_check CHECK ((level = ANY (ARRAY['district'::text, 'street'::text, 'community'::text, 'grid'::text])))
areas areas_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES areas(id)
areas areas_pkey PRIMARY KEY (id)
audit audit_outcome_check CHECK ((outcome = ANY (ARRAY['ok'::text, 'denied'::text, 'error'::text])))
audit audit_pkey PRIMARY KEY (seq)
audit_head audit_head_id_check CHECK ((id = 1))
audit_head audit_head_pkey PRIMARY KEY (id)
org_units org_units_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
org_units org_units_area_id_name_key UNIQUE (area_id, name)
org_units org_units_kind_check CHECK ((kind = ANY (ARRAY['district_office'::text, 'street_office'::text, 'community_committee'::text, 'department'::text, 'property_company'::text, 'social_org'::text])))
org_units org_units_pkey PRIMARY KEY (id)
password_history password_history_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
recovery_codes recovery_codes_pkey PRIMARY KEY (user_id, code_hash)
recovery_codes recovery_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
schema_migrations schema_migrations_pkey PRIMARY KEY (version)
sessions sessions_mfa_check CHECK ((mfa = ANY (ARRAY['none'::text, 'pending'::text, 'enroll'::text, 'done'::text])))
sessions sessions_pkey PRIMARY KEY (id)
sessions sessions_token_hash_key UNIQUE (token_hash)
sessions sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
settings settings_pkey PRIMARY KEY (key)
user_roles user_roles_pkey PRIMARY KEY (user_id, role)
user_roles user_roles_role_check CHECK ((role = ANY (ARRAY['resident'::text, 'volunteer'::text, 'grid_worker'::text, 'community_worker'::text, 'community_head'::text, 'street_staff'::text, 'dept_staff'::text, 'district_admin'::text, 'system_admin'::text, 'security_admin'::text, 'audit_admin'::text])))
user_roles user_roles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
user_scopes user_scopes_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
user_scopes user_scopes_pkey PRIMARY KEY (user_id, area_id)
user_scopes user_scopes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
users users_must_change_password_check CHECK ((must_change_password = ANY (ARRAY[0, 1])))
users users_org_unit_id_fkey FOREIGN KEY (org_unit_id) REFERENCES org_units(id)
users users_pkey PRIMARY KEY (id)
users users_totp_enabled_check CHECK ((totp_enabled = ANY (ARRAY[0, 1])))
users users_username_key UNIQUE (username)

-- indexes
CREATE UNIQUE INDEX api_token_scopes_pkey ON api_token_scopes USING btree (token_id, area_id)
CREATE UNIQUE INDEX api_tokens_pkey ON api_tokens USING btree (id)
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens USING btree (token_hash)
CREATE INDEX area_history_area ON area_history USING btree (area_id, id)
CREATE UNIQUE INDEX area_history_pkey ON area_history USING btree (id)
CREATE UNIQUE INDEX areas_code_live ON areas USING btree (code) WHERE (retired_at IS NULL)
CREATE INDEX areas_parent ON areas USING btree (parent_id)
CREATE INDEX areas_path ON areas USING btree (path)
CREATE UNIQUE INDEX areas_pkey ON areas USING btree (id)
CREATE INDEX audit_actor ON audit USING btree (actor_name, seq)
CREATE INDEX audit_object ON audit USING btree (object_type, object_id, seq)
CREATE UNIQUE INDEX audit_pkey ON audit USING btree (seq)
CREATE UNIQUE INDEX audit_head_pkey ON audit_head USING btree (id)
CREATE UNIQUE INDEX org_units_area_id_name_key ON org_units USING btree (area_id, name)
CREATE UNIQUE INDEX org_units_pkey ON org_units USING btree (id)
CREATE INDEX password_history_user ON password_history USING btree (user_id, at)
CREATE UNIQUE INDEX recovery_codes_pkey ON recovery_codes USING btree (user_id, code_hash)
CREATE UNIQUE INDEX schema_migrations_pkey ON schema_migrations USING btree (version)
CREATE UNIQUE INDEX sessions_pkey ON sessions USING btree (id)
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions USING btree (token_hash)
CREATE INDEX sessions_user ON sessions USING btree (user_id)
CREATE UNIQUE INDEX settings_pkey ON settings USING btree (key)
CREATE UNIQUE INDEX user_roles_pkey ON user_roles USING btree (user_id, role)
CREATE INDEX user_scopes_area ON user_scopes USING btree (area_id)
CREATE UNIQUE INDEX user_scopes_pkey ON user_scopes USING btree (user_id, area_id)
CREATE UNIQUE INDEX users_pkey ON users USING btree (id)
CREATE UNIQUE INDEX users_username_key ON users USING btree (username)

-- triggers
audit audit_no_truncate
audit audit_no_update
audit_head audit_head_forward
audit_head audit_head_no_delete

