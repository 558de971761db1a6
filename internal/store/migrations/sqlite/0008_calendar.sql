-- The working calendar of work-order deadlines (internal/calendar): the
-- days that the official arrangement of each year sets apart. A holiday
-- is a day off (法定节假日 and the rest days of its arrangement, weekend
-- days of a festival included for their name); a workday is a Saturday or
-- Sunday that is worked (调休上班). Every other day is worked Monday to
-- Friday. An administrator (calendar.admin) edits the rows; the working
-- hours are the setting calendar.hours. Dates are YYYY-MM-DD, so text
-- order is date order.
CREATE TABLE calendar_days (
    date       TEXT PRIMARY KEY CHECK (date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
