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
building_units.id bigint NOT NULL
building_units.building_id bigint NOT NULL
building_units.name text NOT NULL
building_units.created_at timestamp with time zone NOT NULL
building_units.retired_at timestamp with time zone
buildings.id bigint NOT NULL
buildings.compound_id bigint
buildings.grid_id bigint NOT NULL
buildings.path text NOT NULL
buildings.name text NOT NULL
buildings.floors integer NOT NULL DEFAULT 0
buildings.created_at timestamp with time zone NOT NULL
buildings.retired_at timestamp with time zone
calendar_days.date text NOT NULL
calendar_days.kind text NOT NULL
calendar_days.name text NOT NULL
calendar_days.updated_at timestamp with time zone NOT NULL
cert_numbers.prefix text NOT NULL
cert_numbers.last integer NOT NULL
certificates.id bigint NOT NULL
certificates.number text NOT NULL
certificates.order_id bigint NOT NULL
certificates.service_id bigint NOT NULL
certificates.person_id bigint NOT NULL
certificates.area_id bigint NOT NULL
certificates.path text NOT NULL
certificates.community_id bigint
certificates.street_id bigint
certificates.district_id bigint
certificates.purpose text NOT NULL DEFAULT ''::text
certificates.body_masked text NOT NULL
certificates.body_sealed text NOT NULL
certificates.issued_by bigint
certificates.issued_at timestamp with time zone NOT NULL
certificates.due_at timestamp with time zone
certificates.valid_until text NOT NULL DEFAULT ''::text
certificates.voided_at timestamp with time zone
certificates.void_reason text NOT NULL DEFAULT ''::text
certificates.voided_by bigint
compounds.id bigint NOT NULL
compounds.grid_id bigint NOT NULL
compounds.path text NOT NULL
compounds.name text NOT NULL
compounds.address text NOT NULL DEFAULT ''::text
compounds.created_at timestamp with time zone NOT NULL
compounds.retired_at timestamp with time zone
household_history.id bigint NOT NULL
household_history.household_id bigint NOT NULL
household_history.field text NOT NULL
household_history.old_value text NOT NULL DEFAULT ''::text
household_history.new_value text NOT NULL DEFAULT ''::text
household_history.actor_id bigint
household_history.at timestamp with time zone NOT NULL
household_members.id bigint NOT NULL
household_members.household_id bigint NOT NULL
household_members.person_id bigint NOT NULL
household_members.relation text NOT NULL
household_members.since text NOT NULL
household_members.until text
households.id bigint NOT NULL
households.head_person_id bigint NOT NULL
households.kind text NOT NULL
households.room_id bigint
households.grid_id bigint NOT NULL
households.path text NOT NULL
households.community_id bigint NOT NULL
households.street_id bigint NOT NULL
households.district_id bigint NOT NULL
households.address text NOT NULL DEFAULT ''::text
households.status text NOT NULL DEFAULT 'active'::text
households.closed_at timestamp with time zone
households.successor_id bigint
households.created_at timestamp with time zone NOT NULL
households.updated_at timestamp with time zone NOT NULL
households.version integer NOT NULL DEFAULT 1
idempotency_keys.actor_key text NOT NULL
idempotency_keys.key text NOT NULL
idempotency_keys.order_id bigint NOT NULL
idempotency_keys.created_at timestamp with time zone NOT NULL
job_files.job_id bigint NOT NULL
job_files.role text NOT NULL
job_files.seq integer NOT NULL
job_files.data bytea NOT NULL
job_row_errors.job_id bigint NOT NULL
job_row_errors.row_no integer NOT NULL
job_row_errors.cells text NOT NULL
job_row_errors.errors text NOT NULL
jobs.id bigint NOT NULL
jobs.kind text NOT NULL
jobs.state text NOT NULL
jobs.actor_id bigint NOT NULL
jobs.actor text NOT NULL
jobs.params text NOT NULL DEFAULT '{}'::text
jobs.total bigint NOT NULL DEFAULT 0
jobs.done bigint NOT NULL DEFAULT 0
jobs.failed bigint NOT NULL DEFAULT 0
jobs.result text NOT NULL DEFAULT '{}'::text
jobs.error text NOT NULL DEFAULT ''::text
jobs.lease_owner text NOT NULL DEFAULT ''::text
jobs.lease_until timestamp with time zone
jobs.attempts integer NOT NULL DEFAULT 0
jobs.created_at timestamp with time zone NOT NULL
jobs.updated_at timestamp with time zone NOT NULL
kpi_daily.day text NOT NULL
kpi_daily.path text NOT NULL
kpi_daily.unit_id bigint NOT NULL
kpi_daily.service_id bigint NOT NULL
kpi_daily.kind text NOT NULL
kpi_daily.n bigint NOT NULL
kpi_daily.num_sum bigint NOT NULL
kpi_daily.flag_sum bigint NOT NULL
kpi_monthly.month text NOT NULL
kpi_monthly.path text NOT NULL
kpi_monthly.unit_id bigint NOT NULL
kpi_monthly.service_id bigint NOT NULL
kpi_monthly.kind text NOT NULL
kpi_monthly.n bigint NOT NULL
kpi_monthly.num_sum bigint NOT NULL
kpi_monthly.flag_sum bigint NOT NULL
migrant_registrations.id bigint NOT NULL
migrant_registrations.person_id bigint NOT NULL
migrant_registrations.path text NOT NULL
migrant_registrations.arrival_date text NOT NULL
migrant_registrations.reason text NOT NULL
migrant_registrations.origin_region text NOT NULL DEFAULT ''::text
migrant_registrations.expected_stay_months integer NOT NULL DEFAULT 0
migrant_registrations.landlord text NOT NULL DEFAULT ''::text
migrant_registrations.employer text NOT NULL DEFAULT ''::text
migrant_registrations.registered_at timestamp with time zone NOT NULL
migrant_registrations.expires_at text NOT NULL
migrant_registrations.renewed_at timestamp with time zone
migrant_registrations.ended_at timestamp with time zone
notices.id bigint NOT NULL
notices.user_id bigint
notices.unit_id bigint
notices.order_id bigint
notices.body text NOT NULL
notices.created_at timestamp with time zone NOT NULL
notices.read_at timestamp with time zone
open311_tokens.token text NOT NULL
open311_tokens.order_id bigint
open311_tokens.created_at timestamp with time zone NOT NULL
org_units.id bigint NOT NULL
org_units.name text NOT NULL
org_units.kind text NOT NULL
org_units.area_id bigint NOT NULL
org_units.created_at timestamp with time zone NOT NULL
org_units.email text NOT NULL DEFAULT ''::text
org_units.supervisor_id bigint
outbox.id bigint NOT NULL
outbox.channel text NOT NULL
outbox.recipient text NOT NULL
outbox.subject text NOT NULL DEFAULT ''::text
outbox.body text NOT NULL
outbox.order_id bigint
outbox.state text NOT NULL DEFAULT 'pending'::text
outbox.attempts integer NOT NULL DEFAULT 0
outbox.next_at timestamp with time zone NOT NULL
outbox.lease_until timestamp with time zone
outbox.last_error text NOT NULL DEFAULT ''::text
outbox.created_at timestamp with time zone NOT NULL
outbox.sent_at timestamp with time zone
password_history.user_id bigint NOT NULL
password_history.password_hash text NOT NULL
password_history.at timestamp with time zone NOT NULL
person_history.id bigint NOT NULL
person_history.person_id bigint NOT NULL
person_history.field text NOT NULL
person_history.old_value text NOT NULL DEFAULT ''::text
person_history.new_value text NOT NULL DEFAULT ''::text
person_history.source text NOT NULL DEFAULT ''::text
person_history.note text NOT NULL DEFAULT ''::text
person_history.actor_id bigint
person_history.at timestamp with time zone NOT NULL
person_phones.id bigint NOT NULL
person_phones.person_id bigint NOT NULL
person_phones.phone text NOT NULL
person_phones.phone_bidx text NOT NULL
person_phones.phone_masked text NOT NULL
person_phones.position integer NOT NULL
person_relations.id bigint NOT NULL
person_relations.person_id bigint NOT NULL
person_relations.related_person_id bigint NOT NULL
person_relations.relation text NOT NULL
person_relations.note text NOT NULL DEFAULT ''::text
person_relations.since text NOT NULL
person_relations.until text
person_tags.id bigint NOT NULL
person_tags.person_id bigint NOT NULL
person_tags.tag_id bigint NOT NULL
person_tags.attrs text NOT NULL DEFAULT ''::text
person_tags.attrs_sealed text NOT NULL DEFAULT ''::text
person_tags.since text NOT NULL
person_tags.until text
person_tags.source text NOT NULL DEFAULT ''::text
person_tags.note text NOT NULL DEFAULT ''::text
person_tags.path text NOT NULL
person_tags.created_at timestamp with time zone NOT NULL
person_terms.term text NOT NULL
person_terms.path text NOT NULL
person_terms.person_id bigint NOT NULL
persons.id bigint NOT NULL
persons.name text NOT NULL
persons.gender text NOT NULL
persons.birth_date text NOT NULL DEFAULT ''::text
persons.id_type text NOT NULL
persons.id_number text NOT NULL DEFAULT ''::text
persons.id_number_bidx text NOT NULL DEFAULT ''::text
persons.id_masked text NOT NULL DEFAULT ''::text
persons.ethnicity text NOT NULL DEFAULT ''::text
persons.education text NOT NULL DEFAULT ''::text
persons.employment text NOT NULL DEFAULT ''::text
persons.political text NOT NULL DEFAULT ''::text
persons.reg_type text NOT NULL
persons.status text NOT NULL DEFAULT 'living'::text
persons.status_date text NOT NULL DEFAULT ''::text
persons.grid_id bigint NOT NULL
persons.path text NOT NULL
persons.community_id bigint NOT NULL
persons.street_id bigint NOT NULL
persons.district_id bigint NOT NULL
persons.room_id bigint
persons.address text NOT NULL DEFAULT ''::text
persons.household_id bigint
persons.sources text NOT NULL DEFAULT '{}'::text
persons.created_at timestamp with time zone NOT NULL
persons.updated_at timestamp with time zone NOT NULL
persons.version integer NOT NULL DEFAULT 1
recovery_codes.user_id bigint NOT NULL
recovery_codes.code_hash text NOT NULL
reveals.id bigint NOT NULL
reveals.user_id bigint NOT NULL
reveals.person_id bigint NOT NULL
reveals.field text NOT NULL
reveals.outcome text NOT NULL
reveals.at timestamp with time zone NOT NULL
rooms.id bigint NOT NULL
rooms.building_id bigint NOT NULL
rooms.unit_id bigint
rooms.path text NOT NULL
rooms.name text NOT NULL
rooms.created_at timestamp with time zone NOT NULL
rooms.retired_at timestamp with time zone
schema_migrations.version text NOT NULL
schema_migrations.applied_at text NOT NULL
service_routes.id bigint NOT NULL
service_routes.area_id bigint NOT NULL
service_routes.path text NOT NULL
service_routes.service_id bigint
service_routes.unit_id bigint NOT NULL
service_routes.created_at timestamp with time zone NOT NULL
services.id bigint NOT NULL
services.code text NOT NULL
services.name_zh text NOT NULL
services.name_en text NOT NULL
services.grp text NOT NULL
services.description text NOT NULL DEFAULT ''::text
services.description_en text NOT NULL DEFAULT ''::text
services.keywords text NOT NULL DEFAULT '[]'::text
services.materials text NOT NULL DEFAULT '[]'::text
services.who_may_apply text NOT NULL DEFAULT ''::text
services.duty text NOT NULL
services.authority text NOT NULL DEFAULT ''::text
services.funding text NOT NULL DEFAULT ''::text
services.referral text NOT NULL DEFAULT ''::text
services.certificate integer NOT NULL DEFAULT 0
services.cert_template text NOT NULL DEFAULT ''::text
services.cert_days integer NOT NULL DEFAULT 0
services.default_unit_id bigint
services.attrs text NOT NULL DEFAULT '[]'::text
services.deadlines text NOT NULL DEFAULT '{}'::text
services.answers text NOT NULL DEFAULT '[]'::text
services.public integer NOT NULL DEFAULT 1
services.anonymous integer NOT NULL DEFAULT 0
services.reopen_on_bad integer NOT NULL DEFAULT 1
services.retired_at timestamp with time zone
services.created_at timestamp with time zone NOT NULL
services.updated_at timestamp with time zone NOT NULL
services.version integer NOT NULL DEFAULT 1
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
tags.id bigint NOT NULL
tags.code text NOT NULL
tags.name_zh text NOT NULL
tags.name_en text NOT NULL
tags.class text NOT NULL
tags.attrs text NOT NULL DEFAULT '[]'::text
tags.created_at timestamp with time zone NOT NULL
tags.retired_at timestamp with time zone
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
wo_assignments.id bigint NOT NULL
wo_assignments.order_id bigint NOT NULL
wo_assignments.unit_id bigint NOT NULL
wo_assignments.role text NOT NULL
wo_assignments.reason text NOT NULL DEFAULT ''::text
wo_assignments.assigned_by bigint
wo_assignments.assigned_at timestamp with time zone NOT NULL
wo_assignments.ended_at timestamp with time zone
wo_assignments.end_reason text NOT NULL DEFAULT ''::text
wo_attachments.id bigint NOT NULL
wo_attachments.order_id bigint
wo_attachments.name text NOT NULL
wo_attachments.content_type text NOT NULL
wo_attachments.size integer NOT NULL
wo_attachments.width integer NOT NULL DEFAULT 0
wo_attachments.height integer NOT NULL DEFAULT 0
wo_attachments.data bytea NOT NULL
wo_attachments.uploaded_by bigint
wo_attachments.created_at timestamp with time zone NOT NULL
wo_attachments.uploaded_token bigint
wo_callbacks.id bigint NOT NULL
wo_callbacks.order_id bigint NOT NULL
wo_callbacks.reason text NOT NULL
wo_callbacks.path text NOT NULL
wo_callbacks.due_at timestamp with time zone NOT NULL
wo_callbacks.done_at timestamp with time zone
wo_callbacks.done_by bigint
wo_callbacks.note text NOT NULL DEFAULT ''::text
wo_callbacks.created_at timestamp with time zone NOT NULL
wo_events.id bigint NOT NULL
wo_events.order_id bigint NOT NULL
wo_events.kind text NOT NULL
wo_events.from_state text NOT NULL DEFAULT ''::text
wo_events.to_state text NOT NULL DEFAULT ''::text
wo_events.unit_id bigint
wo_events.actor_id bigint
wo_events.actor_name text NOT NULL DEFAULT ''::text
wo_events.visibility text NOT NULL
wo_events.note text NOT NULL DEFAULT ''::text
wo_events.data text NOT NULL DEFAULT '{}'::text
wo_events.num bigint NOT NULL DEFAULT 0
wo_events.flag integer NOT NULL DEFAULT 0
wo_events.path text NOT NULL
wo_events.at timestamp with time zone NOT NULL
wo_numbers.day text NOT NULL
wo_numbers.last integer NOT NULL
wo_ratings.order_id bigint NOT NULL
wo_ratings.n integer NOT NULL
wo_ratings.level integer NOT NULL
wo_ratings.solved integer NOT NULL DEFAULT 0
wo_ratings.tags text NOT NULL DEFAULT '[]'::text
wo_ratings.comment text NOT NULL DEFAULT ''::text
wo_ratings.channel text NOT NULL DEFAULT 'web'::text
wo_ratings.unit_id bigint
wo_ratings.actor_id bigint
wo_ratings.at timestamp with time zone NOT NULL
wo_requesters.order_id bigint NOT NULL
wo_requesters.from_order bigint NOT NULL
wo_requesters.at timestamp with time zone NOT NULL
wo_timers.id bigint NOT NULL
wo_timers.order_id bigint NOT NULL
wo_timers.kind text NOT NULL
wo_timers.fire_at timestamp with time zone NOT NULL
wo_timers.for_due text NOT NULL DEFAULT ''::text
wo_timers.state text NOT NULL DEFAULT 'pending'::text
wo_timers.lease_until timestamp with time zone
wo_timers.attempts integer NOT NULL DEFAULT 0
wo_timers.created_at timestamp with time zone NOT NULL
wo_timers.fired_at timestamp with time zone
work_orders.id bigint NOT NULL
work_orders.number text NOT NULL
work_orders.service_id bigint NOT NULL
work_orders.channel text NOT NULL
work_orders.priority text NOT NULL
work_orders.state text NOT NULL
work_orders.requester_person_id bigint
work_orders.requester_user_id bigint
work_orders.contact_name text NOT NULL DEFAULT ''::text
work_orders.contact_phone text NOT NULL DEFAULT ''::text
work_orders.contact_phone_bidx text NOT NULL DEFAULT ''::text
work_orders.contact_phone_masked text NOT NULL DEFAULT ''::text
work_orders.contact_email text NOT NULL DEFAULT ''::text
work_orders.anonymous integer NOT NULL DEFAULT 0
work_orders.address text NOT NULL DEFAULT ''::text
work_orders.lat_e6 integer
work_orders.lon_e6 integer
work_orders.area_id bigint NOT NULL
work_orders.path text NOT NULL
work_orders.community_id bigint
work_orders.street_id bigint
work_orders.district_id bigint
work_orders.title text NOT NULL DEFAULT ''::text
work_orders.description text NOT NULL DEFAULT ''::text
work_orders.answers text NOT NULL DEFAULT '{}'::text
work_orders.lead_unit_id bigint
work_orders.accepted_at timestamp with time zone NOT NULL
work_orders.dispatched_at timestamp with time zone
work_orders.signed_at timestamp with time zone
work_orders.due_at timestamp with time zone
work_orders.warn_at timestamp with time zone
work_orders.paused_at timestamp with time zone
work_orders.resolved_at timestamp with time zone
work_orders.closed_at timestamp with time zone
work_orders.reply text NOT NULL DEFAULT ''::text
work_orders.rating integer
work_orders.ratings integer NOT NULL DEFAULT 0
work_orders.reopens integer NOT NULL DEFAULT 0
work_orders.returns integer NOT NULL DEFAULT 0
work_orders.unrated integer NOT NULL DEFAULT 0
work_orders.overdue integer NOT NULL DEFAULT 0
work_orders.requesters integer NOT NULL DEFAULT 1
work_orders.duplicate_of bigint
work_orders.created_by bigint
work_orders.created_at timestamp with time zone NOT NULL
work_orders.updated_at timestamp with time zone NOT NULL
work_orders.version integer NOT NULL DEFAULT 1

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
building_units building_units_building_id_fkey FOREIGN KEY (building_id) REFERENCES buildings(id)
building_units building_units_pkey PRIMARY KEY (id)
buildings buildings_compound_id_fkey FOREIGN KEY (compound_id) REFERENCES compounds(id)
buildings buildings_grid_id_fkey FOREIGN KEY (grid_id) REFERENCES areas(id)
buildings buildings_pkey PRIMARY KEY (id)
calendar_days calendar_days_date_check CHECK ((date ~ '^[12][0-9]{3}-[01][0-9]-[0-3][0-9]$'::text))
calendar_days calendar_days_kind_check CHECK ((kind = ANY (ARRAY['holiday'::text, 'workday'::text])))
calendar_days calendar_days_pkey PRIMARY KEY (date)
cert_numbers cert_numbers_pkey PRIMARY KEY (prefix)
certificates certificates_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
certificates certificates_check CHECK (((voided_at IS NULL) = (void_reason = ''::text)))
certificates certificates_issued_by_fkey FOREIGN KEY (issued_by) REFERENCES users(id)
certificates certificates_number_key UNIQUE (number)
certificates certificates_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
certificates certificates_order_id_key UNIQUE (order_id)
certificates certificates_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
certificates certificates_pkey PRIMARY KEY (id)
certificates certificates_service_id_fkey FOREIGN KEY (service_id) REFERENCES services(id)
certificates certificates_voided_by_fkey FOREIGN KEY (voided_by) REFERENCES users(id)
compounds compounds_grid_id_fkey FOREIGN KEY (grid_id) REFERENCES areas(id)
compounds compounds_pkey PRIMARY KEY (id)
household_history household_history_household_id_fkey FOREIGN KEY (household_id) REFERENCES households(id)
household_history household_history_pkey PRIMARY KEY (id)
household_members household_members_household_id_fkey FOREIGN KEY (household_id) REFERENCES households(id)
household_members household_members_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
household_members household_members_pkey PRIMARY KEY (id)
households households_grid_id_fkey FOREIGN KEY (grid_id) REFERENCES areas(id)
households households_head_person_id_fkey FOREIGN KEY (head_person_id) REFERENCES persons(id)
households households_kind_check CHECK ((kind = ANY (ARRAY['family'::text, 'collective'::text, 'single'::text])))
households households_pkey PRIMARY KEY (id)
households households_room_id_fkey FOREIGN KEY (room_id) REFERENCES rooms(id)
households households_status_check CHECK ((status = ANY (ARRAY['active'::text, 'closed'::text])))
households households_successor_id_fkey FOREIGN KEY (successor_id) REFERENCES households(id)
idempotency_keys idempotency_keys_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
idempotency_keys idempotency_keys_pkey PRIMARY KEY (actor_key, key)
job_files job_files_job_id_fkey FOREIGN KEY (job_id) REFERENCES jobs(id)
job_files job_files_pkey PRIMARY KEY (job_id, role, seq)
job_files job_files_role_check CHECK ((role = ANY (ARRAY['input'::text, 'result'::text])))
job_row_errors job_row_errors_job_id_fkey FOREIGN KEY (job_id) REFERENCES jobs(id)
job_row_errors job_row_errors_pkey PRIMARY KEY (job_id, row_no)
jobs jobs_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users(id)
jobs jobs_pkey PRIMARY KEY (id)
jobs jobs_state_check CHECK ((state = ANY (ARRAY['draft'::text, 'queued'::text, 'running'::text, 'done'::text, 'failed'::text])))
kpi_daily kpi_daily_pkey PRIMARY KEY (day, path, unit_id, service_id, kind)
kpi_monthly kpi_monthly_pkey PRIMARY KEY (month, path, unit_id, service_id, kind)
migrant_registrations migrant_registrations_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
migrant_registrations migrant_registrations_pkey PRIMARY KEY (id)
migrant_registrations migrant_registrations_reason_check CHECK ((reason = ANY (ARRAY['work'::text, 'study'::text, 'family'::text, 'business'::text, 'other'::text])))
notices notices_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
notices notices_pkey PRIMARY KEY (id)
notices notices_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES org_units(id)
notices notices_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
open311_tokens open311_tokens_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
open311_tokens open311_tokens_pkey PRIMARY KEY (token)
org_units org_units_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
org_units org_units_area_id_name_key UNIQUE (area_id, name)
org_units org_units_kind_check CHECK ((kind = ANY (ARRAY['district_office'::text, 'street_office'::text, 'community_committee'::text, 'department'::text, 'property_company'::text, 'social_org'::text])))
org_units org_units_pkey PRIMARY KEY (id)
org_units org_units_supervisor_id_fkey FOREIGN KEY (supervisor_id) REFERENCES org_units(id)
outbox outbox_channel_check CHECK ((channel = ANY (ARRAY['inapp'::text, 'email'::text, 'webhook'::text])))
outbox outbox_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
outbox outbox_pkey PRIMARY KEY (id)
outbox outbox_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'sent'::text, 'failed'::text])))
password_history password_history_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
person_history person_history_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
person_history person_history_pkey PRIMARY KEY (id)
person_phones person_phones_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
person_phones person_phones_pkey PRIMARY KEY (id)
person_relations person_relations_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
person_relations person_relations_pkey PRIMARY KEY (id)
person_relations person_relations_related_person_id_fkey FOREIGN KEY (related_person_id) REFERENCES persons(id)
person_tags person_tags_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id)
person_tags person_tags_pkey PRIMARY KEY (id)
person_tags person_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES tags(id)
person_terms person_terms_pkey PRIMARY KEY (term, path, person_id)
persons persons_gender_check CHECK ((gender = ANY (ARRAY['0'::text, '1'::text, '2'::text, '9'::text])))
persons persons_grid_id_fkey FOREIGN KEY (grid_id) REFERENCES areas(id)
persons persons_id_type_check CHECK ((id_type = ANY (ARRAY['resident_id'::text, 'passport'::text, 'hk_macao_permit'::text, 'taiwan_permit'::text, 'foreign_pr'::text, 'none'::text])))
persons persons_pkey PRIMARY KEY (id)
persons persons_reg_type_check CHECK ((reg_type = ANY (ARRAY['registered'::text, 'migrant'::text, 'separated'::text, 'overseas'::text])))
persons persons_room_id_fkey FOREIGN KEY (room_id) REFERENCES rooms(id)
persons persons_status_check CHECK ((status = ANY (ARRAY['living'::text, 'moved_out'::text, 'deceased'::text])))
recovery_codes recovery_codes_pkey PRIMARY KEY (user_id, code_hash)
recovery_codes recovery_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
reveals reveals_outcome_check CHECK ((outcome = ANY (ARRAY['ok'::text, 'denied'::text])))
reveals reveals_pkey PRIMARY KEY (id)
rooms rooms_building_id_fkey FOREIGN KEY (building_id) REFERENCES buildings(id)
rooms rooms_pkey PRIMARY KEY (id)
rooms rooms_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES building_units(id)
schema_migrations schema_migrations_pkey PRIMARY KEY (version)
service_routes service_routes_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
service_routes service_routes_area_id_service_id_key UNIQUE (area_id, service_id)
service_routes service_routes_pkey PRIMARY KEY (id)
service_routes service_routes_service_id_fkey FOREIGN KEY (service_id) REFERENCES services(id)
service_routes service_routes_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES org_units(id)
services services_code_key UNIQUE (code)
services services_default_unit_id_fkey FOREIGN KEY (default_unit_id) REFERENCES org_units(id)
services services_duty_check CHECK ((duty = ANY (ARRAY['own'::text, 'assist'::text, 'negative'::text])))
services services_pkey PRIMARY KEY (id)
sessions sessions_mfa_check CHECK ((mfa = ANY (ARRAY['none'::text, 'pending'::text, 'enroll'::text, 'done'::text])))
sessions sessions_pkey PRIMARY KEY (id)
sessions sessions_token_hash_key UNIQUE (token_hash)
sessions sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
settings settings_pkey PRIMARY KEY (key)
tags tags_class_check CHECK ((class = ANY (ARRAY['ordinary'::text, 'sensitive'::text, 'restricted'::text])))
tags tags_code_key UNIQUE (code)
tags tags_pkey PRIMARY KEY (id)
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
wo_assignments wo_assignments_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES users(id)
wo_assignments wo_assignments_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_assignments wo_assignments_pkey PRIMARY KEY (id)
wo_assignments wo_assignments_role_check CHECK ((role = ANY (ARRAY['lead'::text, 'co'::text])))
wo_assignments wo_assignments_unit_id_fkey FOREIGN KEY (unit_id) REFERENCES org_units(id)
wo_attachments wo_attachments_name_key UNIQUE (name)
wo_attachments wo_attachments_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_attachments wo_attachments_pkey PRIMARY KEY (id)
wo_attachments wo_attachments_uploaded_by_fkey FOREIGN KEY (uploaded_by) REFERENCES users(id)
wo_attachments wo_attachments_uploaded_token_fkey FOREIGN KEY (uploaded_token) REFERENCES api_tokens(id)
wo_callbacks wo_callbacks_done_by_fkey FOREIGN KEY (done_by) REFERENCES users(id)
wo_callbacks wo_callbacks_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_callbacks wo_callbacks_pkey PRIMARY KEY (id)
wo_events wo_events_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_events wo_events_pkey PRIMARY KEY (id)
wo_events wo_events_visibility_check CHECK ((visibility = ANY (ARRAY['public'::text, 'internal'::text])))
wo_numbers wo_numbers_pkey PRIMARY KEY (day)
wo_ratings wo_ratings_level_check CHECK (((level >= 1) AND (level <= 5)))
wo_ratings wo_ratings_n_check CHECK ((n = ANY (ARRAY[1, 2])))
wo_ratings wo_ratings_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_ratings wo_ratings_pkey PRIMARY KEY (order_id, n)
wo_requesters wo_requesters_from_order_fkey FOREIGN KEY (from_order) REFERENCES work_orders(id)
wo_requesters wo_requesters_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_requesters wo_requesters_pkey PRIMARY KEY (order_id, from_order)
wo_timers wo_timers_kind_check CHECK ((kind = ANY (ARRAY['warn'::text, 'overdue'::text, 'escalate'::text, 'unrated'::text])))
wo_timers wo_timers_order_id_fkey FOREIGN KEY (order_id) REFERENCES work_orders(id)
wo_timers wo_timers_pkey PRIMARY KEY (id)
wo_timers wo_timers_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'fired'::text, 'cancelled'::text])))
work_orders work_orders_area_id_fkey FOREIGN KEY (area_id) REFERENCES areas(id)
work_orders work_orders_channel_check CHECK ((channel = ANY (ARRAY['counter'::text, 'web'::text, 'phone'::text, 'open311'::text, 'patrol'::text])))
work_orders work_orders_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id)
work_orders work_orders_duplicate_of_fkey FOREIGN KEY (duplicate_of) REFERENCES work_orders(id)
work_orders work_orders_lead_unit_id_fkey FOREIGN KEY (lead_unit_id) REFERENCES org_units(id)
work_orders work_orders_number_key UNIQUE (number)
work_orders work_orders_pkey PRIMARY KEY (id)
work_orders work_orders_priority_check CHECK ((priority = ANY (ARRAY['normal'::text, 'urgent'::text, 'critical'::text])))
work_orders work_orders_requester_person_id_fkey FOREIGN KEY (requester_person_id) REFERENCES persons(id)
work_orders work_orders_requester_user_id_fkey FOREIGN KEY (requester_user_id) REFERENCES users(id)
work_orders work_orders_service_id_fkey FOREIGN KEY (service_id) REFERENCES services(id)

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
CREATE INDEX building_units_building ON building_units USING btree (building_id)
CREATE UNIQUE INDEX building_units_pkey ON building_units USING btree (id)
CREATE INDEX buildings_compound ON buildings USING btree (compound_id)
CREATE INDEX buildings_path ON buildings USING btree (path, id)
CREATE UNIQUE INDEX buildings_pkey ON buildings USING btree (id)
CREATE UNIQUE INDEX calendar_days_pkey ON calendar_days USING btree (date)
CREATE UNIQUE INDEX cert_numbers_pkey ON cert_numbers USING btree (prefix)
CREATE UNIQUE INDEX certificates_number_key ON certificates USING btree (number)
CREATE UNIQUE INDEX certificates_order_id_key ON certificates USING btree (order_id)
CREATE INDEX certificates_path ON certificates USING btree (path, id)
CREATE UNIQUE INDEX certificates_pkey ON certificates USING btree (id)
CREATE INDEX certificates_service ON certificates USING btree (service_id, id)
CREATE INDEX compounds_path ON compounds USING btree (path, id)
CREATE UNIQUE INDEX compounds_pkey ON compounds USING btree (id)
CREATE INDEX household_history_household ON household_history USING btree (household_id, id)
CREATE UNIQUE INDEX household_history_pkey ON household_history USING btree (id)
CREATE UNIQUE INDEX household_members_current ON household_members USING btree (person_id) WHERE (until IS NULL)
CREATE INDEX household_members_household ON household_members USING btree (household_id, id)
CREATE UNIQUE INDEX household_members_pkey ON household_members USING btree (id)
CREATE INDEX households_path ON households USING btree (path, id)
CREATE UNIQUE INDEX households_pkey ON households USING btree (id)
CREATE INDEX households_room ON households USING btree (room_id) WHERE (room_id IS NOT NULL)
CREATE UNIQUE INDEX idempotency_keys_pkey ON idempotency_keys USING btree (actor_key, key)
CREATE UNIQUE INDEX job_files_pkey ON job_files USING btree (job_id, role, seq)
CREATE UNIQUE INDEX job_row_errors_pkey ON job_row_errors USING btree (job_id, row_no)
CREATE INDEX jobs_actor ON jobs USING btree (actor_id, id)
CREATE UNIQUE INDEX jobs_pkey ON jobs USING btree (id)
CREATE INDEX jobs_state ON jobs USING btree (state, lease_until)
CREATE UNIQUE INDEX kpi_daily_pkey ON kpi_daily USING btree (day, path, unit_id, service_id, kind)
CREATE UNIQUE INDEX kpi_monthly_pkey ON kpi_monthly USING btree (month, path, unit_id, service_id, kind)
CREATE INDEX migrant_registrations_expiry ON migrant_registrations USING btree (path, expires_at) WHERE (ended_at IS NULL)
CREATE INDEX migrant_registrations_person ON migrant_registrations USING btree (person_id)
CREATE UNIQUE INDEX migrant_registrations_pkey ON migrant_registrations USING btree (id)
CREATE UNIQUE INDEX notices_pkey ON notices USING btree (id)
CREATE INDEX notices_unit ON notices USING btree (unit_id, id)
CREATE INDEX notices_user ON notices USING btree (user_id, id)
CREATE UNIQUE INDEX open311_tokens_pkey ON open311_tokens USING btree (token)
CREATE UNIQUE INDEX org_units_area_id_name_key ON org_units USING btree (area_id, name)
CREATE UNIQUE INDEX org_units_pkey ON org_units USING btree (id)
CREATE INDEX outbox_due ON outbox USING btree (state, next_at)
CREATE UNIQUE INDEX outbox_pkey ON outbox USING btree (id)
CREATE INDEX password_history_user ON password_history USING btree (user_id, at)
CREATE INDEX person_history_person ON person_history USING btree (person_id, id)
CREATE UNIQUE INDEX person_history_pkey ON person_history USING btree (id)
CREATE INDEX person_phones_bidx ON person_phones USING btree (phone_bidx)
CREATE INDEX person_phones_person ON person_phones USING btree (person_id, "position")
CREATE UNIQUE INDEX person_phones_pkey ON person_phones USING btree (id)
CREATE INDEX person_relations_person ON person_relations USING btree (person_id)
CREATE UNIQUE INDEX person_relations_pkey ON person_relations USING btree (id)
CREATE INDEX person_relations_related ON person_relations USING btree (related_person_id)
CREATE UNIQUE INDEX person_tags_open ON person_tags USING btree (person_id, tag_id) WHERE (until IS NULL)
CREATE INDEX person_tags_person ON person_tags USING btree (person_id)
CREATE UNIQUE INDEX person_tags_pkey ON person_tags USING btree (id)
CREATE INDEX person_tags_tag ON person_tags USING btree (tag_id, path, person_id) WHERE (until IS NULL)
CREATE INDEX person_terms_person ON person_terms USING btree (person_id)
CREATE UNIQUE INDEX person_terms_pkey ON person_terms USING btree (term, path, person_id)
CREATE INDEX persons_community_name ON persons USING btree (community_id, name, birth_date)
CREATE UNIQUE INDEX persons_id_number ON persons USING btree (id_number_bidx) WHERE (id_number_bidx <> ''::text)
CREATE INDEX persons_path ON persons USING btree (path, id)
CREATE UNIQUE INDEX persons_pkey ON persons USING btree (id)
CREATE INDEX persons_room ON persons USING btree (room_id) WHERE (room_id IS NOT NULL)
CREATE UNIQUE INDEX recovery_codes_pkey ON recovery_codes USING btree (user_id, code_hash)
CREATE UNIQUE INDEX reveals_pkey ON reveals USING btree (id)
CREATE INDEX reveals_user_at ON reveals USING btree (user_id, at)
CREATE INDEX rooms_building ON rooms USING btree (building_id, unit_id)
CREATE UNIQUE INDEX rooms_pkey ON rooms USING btree (id)
CREATE UNIQUE INDEX schema_migrations_pkey ON schema_migrations USING btree (version)
CREATE UNIQUE INDEX service_routes_area_id_service_id_key ON service_routes USING btree (area_id, service_id)
CREATE UNIQUE INDEX service_routes_pkey ON service_routes USING btree (id)
CREATE INDEX service_routes_service ON service_routes USING btree (service_id, path)
CREATE UNIQUE INDEX services_code_key ON services USING btree (code)
CREATE UNIQUE INDEX services_pkey ON services USING btree (id)
CREATE UNIQUE INDEX sessions_pkey ON sessions USING btree (id)
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions USING btree (token_hash)
CREATE INDEX sessions_user ON sessions USING btree (user_id)
CREATE UNIQUE INDEX settings_pkey ON settings USING btree (key)
CREATE UNIQUE INDEX tags_code_key ON tags USING btree (code)
CREATE UNIQUE INDEX tags_pkey ON tags USING btree (id)
CREATE UNIQUE INDEX user_roles_pkey ON user_roles USING btree (user_id, role)
CREATE INDEX user_scopes_area ON user_scopes USING btree (area_id)
CREATE UNIQUE INDEX user_scopes_pkey ON user_scopes USING btree (user_id, area_id)
CREATE UNIQUE INDEX users_pkey ON users USING btree (id)
CREATE UNIQUE INDEX users_username_key ON users USING btree (username)
CREATE INDEX wo_assignments_order ON wo_assignments USING btree (order_id, id)
CREATE UNIQUE INDEX wo_assignments_pkey ON wo_assignments USING btree (id)
CREATE INDEX wo_assignments_unit ON wo_assignments USING btree (unit_id, ended_at, order_id)
CREATE UNIQUE INDEX wo_attachments_name_key ON wo_attachments USING btree (name)
CREATE INDEX wo_attachments_order ON wo_attachments USING btree (order_id)
CREATE UNIQUE INDEX wo_attachments_pkey ON wo_attachments USING btree (id)
CREATE INDEX wo_callbacks_open ON wo_callbacks USING btree (path, done_at, due_at)
CREATE INDEX wo_callbacks_order ON wo_callbacks USING btree (order_id)
CREATE UNIQUE INDEX wo_callbacks_pkey ON wo_callbacks USING btree (id)
CREATE INDEX wo_events_order ON wo_events USING btree (order_id, id)
CREATE UNIQUE INDEX wo_events_pkey ON wo_events USING btree (id)
CREATE UNIQUE INDEX wo_numbers_pkey ON wo_numbers USING btree (day)
CREATE UNIQUE INDEX wo_ratings_pkey ON wo_ratings USING btree (order_id, n)
CREATE UNIQUE INDEX wo_requesters_pkey ON wo_requesters USING btree (order_id, from_order)
CREATE INDEX wo_timers_due ON wo_timers USING btree (state, fire_at)
CREATE UNIQUE INDEX wo_timers_pkey ON wo_timers USING btree (id)
CREATE INDEX work_orders_dup ON work_orders USING btree (service_id, area_id, accepted_at)
CREATE UNIQUE INDEX work_orders_number_key ON work_orders USING btree (number)
CREATE INDEX work_orders_overdue ON work_orders USING btree (path, due_at) WHERE (overdue = 1)
CREATE INDEX work_orders_path ON work_orders USING btree (path, id)
CREATE INDEX work_orders_person ON work_orders USING btree (requester_person_id, id) WHERE (requester_person_id IS NOT NULL)
CREATE INDEX work_orders_phone ON work_orders USING btree (contact_phone_bidx) WHERE (contact_phone_bidx <> ''::text)
CREATE UNIQUE INDEX work_orders_pkey ON work_orders USING btree (id)
CREATE INDEX work_orders_requester ON work_orders USING btree (requester_user_id, id) WHERE (requester_user_id IS NOT NULL)
CREATE INDEX work_orders_unit ON work_orders USING btree (lead_unit_id, state, due_at)

-- triggers
audit audit_no_truncate
audit audit_no_update
audit_head audit_head_forward
audit_head audit_head_no_delete
certificates certificates_no_delete

