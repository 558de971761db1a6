package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/linli-org/linli"
)

// Durable background jobs (migrations/*/0005_jobs.sql). The jobs table is
// the only source of truth: a Runner polls it, leases one job at a time
// (state 'running', lease_owner, lease_until), renews the lease with every
// batch it commits, and marks the job done or failed. A runner that dies
// (crash, restart, lost connection) leaves its job 'running' with a lease
// that expires; the next poll of any runner leases it again and the job
// resumes after its last committed batch (an import counts its progress
// in the transaction that writes the rows, and re-importing a row updates
// the person with that ID number instead of adding one). No timer in
// memory decides anything.
//
// A job runs as the actor who created it, rebuilt from the snapshot taken
// at creation (user id, name, roles, scope area ids), narrowed to the
// roles and scope the account still holds; a disabled account's job fails.
//
// Files (the uploaded input, an export's result) are stored in job_files
// in chunks of at most 1 MiB, so they live (and are backed up) with the
// database, and neither an upload nor a run holds a whole file in memory.

// Job kinds.
const (
	JobPersonImport = "person.import"
	JobPersonExport = "person.export"
)

// Job states.
const (
	JobDraft   = "draft" // an uploaded import waiting for its column mapping
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a background job as its creator sees it.
type Job struct {
	ID        int64
	Kind      string
	State     string
	ActorID   int64
	Params    json.RawMessage
	Total     int64 // rows to process (0 while unknown)
	Done      int64 // rows processed, failed ones included
	Failed    int64 // rows that failed
	Result    map[string]int64
	Error     string // message key when the job failed
	Attempts  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Finished reports whether the job is done or failed.
func (j Job) Finished() bool { return j.State == JobDone || j.State == JobFailed }

// Percent is the progress in whole percent (0 while the total is unknown).
func (j Job) Percent() int {
	if j.State == JobDone {
		return 100
	}
	if j.Total <= 0 {
		return 0
	}
	return int(j.Done * 100 / j.Total)
}

// JobError ends a job as failed with a message key for its creator.
type JobError struct {
	Key  string
	Args []any
}

func (e *JobError) Error() string { return "job failed: " + e.Key }

const jobCols = `id, kind, state, actor_id, params, total, done, failed, result, error, attempts, created_at, updated_at`

func scanJob(r scanner) (Job, error) {
	var j Job
	var params, result string
	err := r.Scan(&j.ID, &j.Kind, &j.State, &j.ActorID, &params, &j.Total, &j.Done, &j.Failed, &result, &j.Error,
		&j.Attempts, tm{&j.CreatedAt}, tm{&j.UpdatedAt})
	if err != nil {
		return j, err
	}
	j.Params = json.RawMessage(params)
	j.Result = map[string]int64{}
	_ = json.Unmarshal([]byte(result), &j.Result)
	return j, nil
}

// actorSnapshot is what a job remembers of its creator.
type actorSnapshot struct {
	UserID   int64    `json:"user_id"`
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
	Scope    []int64  `json:"scope"`
	Org      int64    `json:"org,omitempty"`
}

func snapshotOf(a linli.Actor) string {
	s := actorSnapshot{UserID: a.UserID, Username: a.Username, Scope: a.Scope.AreaIDs, Org: a.OrgUnitID}
	for _, r := range a.Roles {
		s.Roles = append(s.Roles, string(r))
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// errActorGone fails a job whose creator was disabled or deleted.
var errActorGone = &JobError{Key: "job.actor_gone"}

// jobActor rebuilds the actor of a job from its snapshot, keeping only the
// roles and scope nodes the account still holds (a role or area taken away
// since is not used), with the areas' current paths.
func (s *Store) jobActor(ctx context.Context, snap string) (linli.Actor, error) {
	var sn actorSnapshot
	if err := json.Unmarshal([]byte(snap), &sn); err != nil {
		return linli.Actor{}, fmt.Errorf("job actor: %w", err)
	}
	var disabled sql.NullString
	if err := s.queryRow(ctx, `SELECT CAST(disabled_at AS TEXT) FROM users WHERE id = ?`, sn.UserID).Scan(&disabled); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return linli.Actor{}, errActorGone
		}
		return linli.Actor{}, s.mapErr(err)
	}
	if disabled.Valid && disabled.String != "" {
		return linli.Actor{}, errActorGone
	}
	held := map[string]bool{}
	rows, err := s.query(ctx, `SELECT role FROM user_roles WHERE user_id = ?`, sn.UserID)
	if err != nil {
		return linli.Actor{}, s.mapErr(err)
	}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return linli.Actor{}, err
		}
		held[r] = true
	}
	rows.Close()
	var roles []linli.Role
	for _, r := range sn.Roles {
		if held[r] {
			roles = append(roles, linli.Role(r))
		}
	}
	sc, err := s.scopeOf(ctx, `SELECT a.id, a.path FROM user_scopes us JOIN areas a ON a.id = us.area_id
		WHERE us.user_id = ? AND a.retired_at IS NULL ORDER BY a.id`, sn.UserID)
	if err != nil {
		return linli.Actor{}, err
	}
	want := map[int64]bool{}
	for _, id := range sn.Scope {
		want[id] = true
	}
	var kept linli.Scope
	for i, id := range sc.AreaIDs {
		if want[id] {
			kept.AreaIDs = append(kept.AreaIDs, id)
			kept.Paths = append(kept.Paths, sc.Paths[i])
		}
	}
	a := linli.NewActor(sn.UserID, sn.Username, roles, kept)
	a.OrgUnitID = sn.Org
	a.RequestID = "job"
	return a, nil
}

// fileChunk is the size of one row of job_files.
const fileChunk = 1 << 20

// fieldJobFile seals job files and failed import rows: an uploaded 台账 and
// an unmasked export hold ID numbers and phones, which are never stored in
// the clear. (Key rotation keeps the old keys, so these short-lived values
// stay readable; they are not in SealedColumns.)
const fieldJobFile = "job.file"

func (s *Store) sealJobData(b []byte) ([]byte, error) {
	if s.keys == nil {
		return nil, errNoKeys
	}
	v, err := s.keys.SealField(fieldJobFile, string(b))
	return []byte(v), err
}

func (s *Store) openJobData(b []byte) ([]byte, error) {
	if s.keys == nil {
		return nil, errNoKeys
	}
	v, err := s.keys.OpenField(fieldJobFile, string(b))
	return []byte(v), err
}

// createJob stores a new job and its input file (nil for none) in one
// transaction.
func (s *Store) createJob(ctx context.Context, a linli.Actor, kind, state string, params any, file io.Reader) (Job, error) {
	pj, err := json.Marshal(params)
	if err != nil {
		return Job{}, err
	}
	var id int64
	err = s.write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.insert(`INSERT INTO jobs (kind, state, actor_id, actor, params, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			kind, state, a.UserID, snapshotOf(a), string(pj), tx.s.d.t(tx.now), tx.s.d.t(tx.now))
		if err != nil {
			return err
		}
		if file != nil {
			if _, err := tx.writeJobFile(id, "input", file); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Job{}, err
	}
	return s.JobFor(ctx, a, id)
}

// writeJobFile stores r as the job's file of role in chunks and returns its
// size.
func (tx *Tx) writeJobFile(jobID int64, role string, r io.Reader) (int64, error) {
	if _, err := tx.exec(`DELETE FROM job_files WHERE job_id = ? AND role = ?`, jobID, role); err != nil {
		return 0, err
	}
	buf := make([]byte, fileChunk)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			sealed, err := tx.s.sealJobData(buf[:n])
			if err != nil {
				return size, err
			}
			if _, err := tx.exec(`INSERT INTO job_files (job_id, role, seq, data) VALUES (?, ?, ?, ?)`, jobID, role, seq, sealed); err != nil {
				return size, err
			}
			size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return size, nil
		}
		if err != nil {
			return size, err
		}
	}
}

// jobFile reads a job's file chunk by chunk.
type jobFile struct {
	ctx  context.Context
	s    *Store
	job  int64
	role string
	seq  int
	buf  *bytes.Reader
	eof  bool
}

func (s *Store) openJobFile(ctx context.Context, jobID int64, role string) *jobFile {
	return &jobFile{ctx: ctx, s: s, job: jobID, role: role, buf: bytes.NewReader(nil)}
}

func (f *jobFile) Read(p []byte) (int, error) {
	for f.buf.Len() == 0 {
		if f.eof {
			return 0, io.EOF
		}
		var data []byte
		err := f.s.queryRow(f.ctx, `SELECT data FROM job_files WHERE job_id = ? AND role = ? AND seq = ?`, f.job, f.role, f.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			f.eof = true
			continue
		}
		if err != nil {
			return 0, f.s.mapErr(err)
		}
		plain, err := f.s.openJobData(data)
		if err != nil {
			return 0, err
		}
		f.seq++
		f.buf = bytes.NewReader(plain)
	}
	return f.buf.Read(p)
}

// JobFor returns a job of the actor: a job is visible to its creator only
// (anyone else gets ErrNotFound).
func (s *Store) JobFor(ctx context.Context, a linli.Actor, id int64) (Job, error) {
	if a.UserID == 0 {
		return Job{}, linli.ErrNotFound
	}
	j, err := scanJob(s.queryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ? AND actor_id = ?`, id, a.UserID))
	return j, s.mapErr(err)
}

// JobResult streams the result file of a finished job of the actor.
func (s *Store) JobResult(ctx context.Context, a linli.Actor, id int64, w io.Writer) error {
	j, err := s.JobFor(ctx, a, id)
	if err != nil {
		return err
	}
	if j.State != JobDone {
		return linli.ErrNotFound
	}
	_, err = io.Copy(w, s.openJobFile(ctx, id, "result"))
	return err
}

// queueJob moves a draft of the actor to the queue with new parameters.
func (s *Store) queueJob(ctx context.Context, a linli.Actor, id int64, params any) error {
	pj, err := json.Marshal(params)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE jobs SET state = 'queued', params = ?, updated_at = ? WHERE id = ? AND actor_id = ? AND state = 'draft'`,
			string(pj), tx.s.d.t(tx.now), id, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linli.Conflict("job.not_draft")
		}
		return nil
	})
}

// RunnerOptions tune a Runner.
type RunnerOptions struct {
	Poll      time.Duration // how often an idle runner looks for work (1 s)
	Lease     time.Duration // how long a lease lasts without renewal (1 min)
	BatchSize int           // import rows per transaction (500)
	Attempts  int           // leases of one job before it fails (5)
	Logger    *slog.Logger
	// OnProgress, when set, is called after each committed batch.
	OnProgress func(j Job)
}

// Runner runs background jobs. Several runners (processes) may share a
// database: a lease is taken with a guarded UPDATE.
type Runner struct {
	s      *Store
	opt    RunnerOptions
	owner  string
	kinds  map[string]func(ctx context.Context, jr *jobRun) error
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewRunner builds a runner for the store's job kinds.
func (s *Store) NewRunner(opt RunnerOptions) *Runner {
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 5
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{s: s, opt: opt, owner: randomOwner()}
	r.kinds = map[string]func(context.Context, *jobRun) error{
		JobPersonImport: s.runPersonImport,
		JobPersonExport: s.runPersonExport,
	}
	return r
}

func randomOwner() string {
	return strconv.FormatInt(time.Now().UnixNano(), 36)
}

// Start polls for jobs in the background until Stop or ctx ends.
func (r *Runner) Start(ctx context.Context) {
	ctx, r.cancel = context.WithCancel(ctx)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			ran, err := r.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				r.opt.Logger.Error("job runner", slog.String("error", err.Error()))
			}
			if ran && err == nil {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(r.opt.Poll):
			}
		}
	}()
}

// Stop ends the polling and waits for the running job to return. A job cut
// short keeps its lease until it expires and is then resumed.
func (r *Runner) Stop() {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
}

// jobRun is one leased run of a job.
type jobRun struct {
	r     *Runner
	job   Job
	actor linli.Actor
}

var errLeaseLost = errors.New("job: lease lost")

// RunOnce leases one job (a queued one, or a running one whose lease
// expired) and runs it to its end. It reports whether it found one.
func (r *Runner) RunOnce(ctx context.Context) (bool, error) {
	s := r.s
	var job Job
	var snap string
	found := false
	err := s.write(ctx, func(tx *Tx) error {
		now := tx.s.d.t(tx.now)
		var id int64
		err := tx.queryRow(`SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < ?) ORDER BY id LIMIT 1`, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE id = ? AND (state = 'queued' OR (state = 'running' AND lease_until < ?))`,
			r.owner, tx.s.d.t(tx.now.Add(r.opt.Lease)), now, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // another runner was faster
		}
		if job, err = scanJob(tx.queryRow(`SELECT `+jobCols+` FROM jobs WHERE id = ?`, id)); err != nil {
			return err
		}
		found = true
		return tx.queryRow(`SELECT actor FROM jobs WHERE id = ?`, id).Scan(&snap)
	})
	if err != nil || !found {
		return false, err
	}
	log := r.opt.Logger.With(slog.Int64("job", job.ID), slog.String("kind", job.Kind))
	if job.Attempts > r.opt.Attempts {
		return true, r.finish(ctx, job, &JobError{Key: "job.too_many_attempts"})
	}
	run := r.kinds[job.Kind]
	if run == nil {
		return true, r.finish(ctx, job, &JobError{Key: "job.unknown_kind"})
	}
	a, err := s.jobActor(ctx, snap)
	if err != nil {
		return true, r.finish(ctx, job, err)
	}
	log.Info("job started", slog.Int("attempt", job.Attempts), slog.Int64("resume_at", job.Done))
	err = run(ctx, &jobRun{r: r, job: job, actor: a})
	switch {
	case ctx.Err() != nil, errors.Is(err, errLeaseLost):
		// Cut short: the lease expires and a runner resumes the job.
		log.Info("job interrupted", slog.Int64("done", job.Done))
		return true, nil
	case errors.Is(err, linli.ErrUnavailable):
		// The database hiccuped: leave the lease to expire and try again.
		log.Warn("job will be retried", slog.String("error", err.Error()))
		return true, err
	}
	if err != nil {
		log.Error("job failed", slog.String("error", err.Error()))
	}
	return true, r.finish(ctx, job, err)
}

// finish marks a leased job done (err nil) or failed.
func (r *Runner) finish(ctx context.Context, job Job, err error) error {
	state, key := JobDone, ""
	if err != nil {
		state, key = JobFailed, "job.internal"
		var je *JobError
		if errors.As(err, &je) {
			key = je.Key
		}
	}
	return r.s.write(context.WithoutCancel(ctx), func(tx *Tx) error {
		res, err := tx.exec(`UPDATE jobs SET state = ?, error = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND lease_owner = ? AND state = 'running'`,
			state, key, tx.s.d.t(tx.now), job.ID, r.owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return tx.dropInput(job.ID)
		}
		return nil
	})
}

// progress records a job's progress inside the transaction that did the
// work, and renews the lease; a runner that lost its lease stops here.
func (jr *jobRun) progress(tx *Tx, total, done, failed int64, result map[string]int64, final bool) error {
	rj, _ := json.Marshal(result)
	state := JobRunning
	if final {
		state = JobDone
	}
	res, err := tx.exec(`UPDATE jobs SET state = ?, total = ?, done = ?, failed = ?, result = ?, lease_until = ?, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND state = 'running'`,
		state, total, done, failed, string(rj), tx.s.d.t(tx.now.Add(jr.r.opt.Lease)), tx.s.d.t(tx.now), jr.job.ID, jr.r.owner)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errLeaseLost
	}
	if final {
		if err := tx.dropInput(jr.job.ID); err != nil {
			return err
		}
	}
	jr.job.Total, jr.job.Done, jr.job.Failed, jr.job.Result, jr.job.State = total, done, failed, result, state
	if jr.r.opt.OnProgress != nil {
		j := jr.job
		tx.onCommit = append(tx.onCommit, func() { jr.r.opt.OnProgress(j) })
	}
	return nil
}

// dropInput deletes the input file of a finished job: it is needed only
// until the job ends (the error report keeps the failed rows).
func (tx *Tx) dropInput(jobID int64) error {
	_, err := tx.exec(`DELETE FROM job_files WHERE job_id = ? AND role = 'input'`, jobID)
	return err
}

// jobParams decodes a job's parameters.
func (jr *jobRun) params(v any) error {
	if err := json.Unmarshal(jr.job.Params, v); err != nil {
		return fmt.Errorf("job %d params: %w", jr.job.ID, err)
	}
	return nil
}
