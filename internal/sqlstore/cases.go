package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/hanzi"
)

// CaseOptions configure the case loop.
type CaseOptions struct {
	// RemindAt is the share of a stage's working time after which a reminder goes out (default 0.8).
	RemindAt float64
	// NoEscalateOnOverdue keeps overdue cases at their level (by default an overdue handling stage
	// climbs the ladder, see Ladder); escalation by hand still works.
	NoEscalateOnOverdue bool
	// Ladder is the time an unresolved case may stay on each rung below the city before it climbs
	// by itself (ladder.go); the zero value is redgrid.DefaultEscalateAfter.
	Ladder redgrid.Ladder
	// PublicURL starts the links in notifications ("" for none).
	PublicURL string
	// Webhooks: notifications are also queued for the configured group robots.
	Webhooks bool
}

func (o CaseOptions) withDefaults() CaseOptions {
	if !(o.RemindAt > 0 && o.RemindAt < 1) {
		o.RemindAt = 0.8
	}
	if o.Ladder == (redgrid.Ladder{}) {
		o.Ladder, _ = redgrid.ParseEscalateAfter(redgrid.DefaultEscalateAfter)
	}
	return o
}

// Case flags: each marks that a once-per-case counter has moved.
const (
	fRegistered = 1 << iota
	fDispatched
	fResponded
	fHandled
	fReworked
	fExtended
	fDue
	fOverdue
	fHandleLate
	fClosed
	fRespondedOnTime
	fSelfGoverned      // handed to community self-governance (交社区自治)
	fSelfHandled       // the community fed back
	fSelfHandledOnTime // … within its handling deadline
	fGuided            // a private matter given guidance (引导办理)
)

// Stages whose deadlines run.
const (
	StageRegister = "register" // 立案派遣
	StageAccept   = "accept"   // 签收
	StageHandle   = "handle"   // 处置
	StageVerify   = "verify"   // 核查 (no deadline)
	StageRate     = "rate"     // 回访 (no deadline)
)

// ---- categories ----

const categoryCols = "id, code, name, parent_code, kind, matter, register_limit, accept_limit, handle_limit, department_id, pinyin, initials, active, version"

func scanCategory(r scanner) (redgrid.Category, error) {
	var c redgrid.Category
	err := r.Scan(&c.ID, &c.Code, &c.Name, &c.ParentCode, &c.Kind, &c.Matter, &c.RegisterLimit, &c.AcceptLimit, &c.HandleLimit, &c.DepartmentID, &c.Pinyin, &c.Initials, &c.Active, &c.Version)
	return c, err
}

// Categories returns the whole category tree in code order.
func (s *Store) Categories(ctx context.Context) ([]redgrid.Category, error) {
	rows, err := s.query(ctx, "SELECT "+categoryCols+" FROM case_categories ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	defer rows.Close()
	out := []redgrid.Category{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, fmt.Errorf("categories: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// categoryTTL bounds how stale another server's category change may look here.
const categoryTTL = 2 * time.Second

// Category returns an active category by code from a cache refreshed every two seconds (intake
// classifies thousands of cases a second; the tree changes a few times a year).
func (s *Store) CategoryByCode(ctx context.Context, code string) (redgrid.Category, bool, error) {
	if err := s.loadCategories(ctx); err != nil {
		return redgrid.Category{}, false, err
	}
	s.catMu.Lock()
	defer s.catMu.Unlock()
	c, ok := s.catCode[code]
	return c, ok, nil
}

func (s *Store) categoryByID(ctx context.Context, id int64) (redgrid.Category, error) {
	if err := s.loadCategories(ctx); err != nil {
		return redgrid.Category{}, err
	}
	s.catMu.Lock()
	c, ok := s.catByID[id]
	s.catMu.Unlock()
	if !ok {
		// Added by another server a moment ago.
		c, err := scanCategory(s.queryRow(ctx, "SELECT "+categoryCols+" FROM case_categories WHERE id = ?", id))
		return c, err
	}
	return c, nil
}

func (s *Store) loadCategories(ctx context.Context) error {
	s.catMu.Lock()
	fresh := s.catCode != nil && time.Since(s.catAt) < categoryTTL
	s.catMu.Unlock()
	if fresh {
		return nil
	}
	cs, err := s.Categories(ctx)
	if err != nil {
		return err
	}
	byID, byCode := map[int64]redgrid.Category{}, map[string]redgrid.Category{}
	for _, c := range cs {
		byID[c.ID] = c
		byCode[c.Code] = c
	}
	s.catMu.Lock()
	s.catByID, s.catCode, s.catAt = byID, byCode, time.Now()
	s.catMu.Unlock()
	return nil
}

func (s *Store) invalidateCategories() {
	s.catMu.Lock()
	s.catCode = nil
	s.catMu.Unlock()
}

// SaveCategories creates or replaces categories by code, all or nothing. A minor category's
// major must exist or come in the same call; a department named must be a department.
func (s *Store) SaveCategories(ctx context.Context, cs []redgrid.Category) error {
	var v redgrid.Validator
	codes := map[string]bool{}
	for i, c := range cs {
		prefix := fmt.Sprintf("categories[%d].", i)
		if err := c.Validate(prefix); err != nil {
			var re *redgrid.Error
			errors.As(err, &re)
			for _, f := range re.Fields {
				v.Add(f.Field, f.Rule, f.Message)
			}
		}
		v.Check(!codes[c.Code], prefix+"code", "unique", "code "+c.Code+" appears twice")
		codes[c.Code] = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	err := s.write(ctx, func(t *tx) error {
		for i, c := range cs {
			prefix := fmt.Sprintf("categories[%d].", i)
			if c.ParentCode != "" && !codes[c.ParentCode] {
				var n int
				if err := t.queryRow("SELECT COUNT(*) FROM case_categories WHERE code = ?", c.ParentCode).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return redgrid.Invalid(prefix+"parent_code", "exists", "major category "+c.ParentCode+" does not exist")
				}
			}
			if c.DepartmentID != nil {
				var kind string
				err := t.queryRow("SELECT kind FROM orgs WHERE id = ?", *c.DepartmentID).Scan(&kind)
				if errors.Is(err, sql.ErrNoRows) || err == nil && kind != string(redgrid.OrgDepartment) {
					return redgrid.Invalid(prefix+"department_id", "department", "department_id must name a department")
				}
				if err != nil {
					return err
				}
			}
			full, ini := hanzi.Keys(c.Name)
			now := s.now().UTC()
			res, err := t.exec(`UPDATE case_categories SET name = ?, parent_code = ?, kind = ?, matter = ?, register_limit = ?, accept_limit = ?,
				handle_limit = ?, department_id = ?, pinyin = ?, initials = ?, active = ?, version = version + 1, updated_at = ? WHERE code = ?`,
				c.Name, c.ParentCode, c.Kind, c.Matter, c.RegisterLimit, c.AcceptLimit, c.HandleLimit, c.DepartmentID, full, ini, c.Active, now, c.Code)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if _, err := t.exec(`INSERT INTO case_categories (code, name, parent_code, kind, matter, register_limit, accept_limit, handle_limit,
					department_id, pinyin, initials, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					c.Code, c.Name, c.ParentCode, c.Kind, c.Matter, c.RegisterLimit, c.AcceptLimit, c.HandleLimit, c.DepartmentID, full, ini, c.Active, now); err != nil {
					return err
				}
			}
		}
		return t.audit("case_categories.save", "case_categories", map[string]any{"codes": len(cs)})
	})
	s.invalidateCategories()
	return err
}

// EnsureCategories loads the given tree when no category exists yet (a new installation).
func (s *Store) EnsureCategories(ctx context.Context, cs []redgrid.Category) (bool, error) {
	var n int
	if err := s.queryRow(ctx, "SELECT COUNT(*) FROM case_categories").Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	return true, s.SaveCategories(ctx, cs)
}

// ---- intake ----

// CaseIntake is a validated report, placed and classified by the caller.
type CaseIntake struct {
	In         redgrid.NewCase
	Category   redgrid.Category
	GridID     int64
	GridPath   string
	GridCode   string
	GridName   string
	Lng, Lat   float64 // WGS-84
	ReporterID *int64
	// FollowHash is the hash of the token an anonymous reporter follows the case with.
	FollowHash string
	// NewPhotos are photos uploaded with the report itself (Open311 media): their files are
	// written, and their rows are recorded in the case's own transaction, so a report that fails
	// or is a retry leaves no row behind (the caller removes the files then). Their ids must be
	// in In.Photos too.
	NewPhotos []Photo
	// EventDetail is added to the detail of the report event (what a channel changed or kept of
	// the report, say); it cannot replace channel and category.
	EventDetail map[string]any
	// Near, with Metres > 0, asks CreateCase for the duplicate candidates of the new case (see
	// OpenCasesNear) in NearFound. They are read in the intake's own transaction and include the
	// cases of the same group commit received before this one: on SQLite one query per case,
	// where the writer's page cache is warm (a reader's is emptied by every commit, and this
	// lookup on a reader cost as much CPU as the rest of the write); on PostgreSQL one query for
	// the whole group commit (a round trip per case cost more than the lookup itself).
	// NearFound stays nil when they were not read (a replayed request): the caller asks
	// OpenCasesNear then.
	Near      NearQuery
	NearFound *[]redgrid.Case
}

// NearQuery is the neighbourhood of a duplicate search: within Metres, received since Since.
type NearQuery struct {
	Metres float64
	Since  time.Time
}

// workDur is a limit as working time.
func (s *Store) workDur(l redgrid.Limit) time.Duration {
	if l.Days > 0 {
		return time.Duration(l.Days) * s.cal.DayLength()
	}
	return l.Duration()
}

// deadline returns when a stage started at start with limit l is due and when to remind.
func (s *Store) deadline(start time.Time, l redgrid.Limit) (due, remind time.Time, err error) {
	return s.deadlineDur(start, s.workDur(l))
}

// deadlineDur is deadline for a stretch of working time.
func (s *Store) deadlineDur(start time.Time, w time.Duration) (due, remind time.Time, err error) {
	if due, err = s.cal.Add(start, w); err != nil {
		return
	}
	remind, err = s.cal.Add(start, time.Duration(float64(w)*s.cases.RemindAt))
	// Stored in UTC: SQLite compares timestamps as text.
	return due.UTC(), remind.UTC(), err
}

// CreateCase stores a new case with its first event, its register-and-dispatch deadline and its
// audit line, in a group commit (see batch.go). It returns after the commit is on disk.
func (s *Store) CreateCase(ctx context.Context, ci CaseIntake) (redgrid.Case, bool, error) {
	reg, _, _, err := ci.Category.Limits()
	if err != nil {
		return redgrid.Case{}, false, err
	}
	now := s.now().UTC()
	due, remind, err := s.deadline(now, reg)
	if err != nil {
		return redgrid.Case{}, false, err
	}
	in := ci.In
	// Personal data is sealed before it reaches a row (pii.go); the case returned shows it plain.
	if in.ReporterName, in.ReporterPhone, err = s.sealReporter(ctx, in.ReporterName, in.ReporterPhone); err != nil {
		return redgrid.Case{}, false, err
	}
	day := now.In(cst).Format(time.DateOnly)
	photos := strings.Join(in.Photos, ",")
	var follow any
	if ci.FollowHash != "" {
		follow = ci.FollowHash
	}
	var id int64
	idem, hasKey := redgrid.IdempotencyFrom(ctx)
	actor := redgrid.ActorFrom(ctx)
	if hasKey {
		if id, ok, err := s.lookupIdem(ctx, actor.UserID, idem, "case"); err != nil || ok {
			if err != nil {
				return redgrid.Case{}, false, err
			}
			c, err := s.Case(ctx, id)
			return c, true, err
		}
	}
	eventDetail := map[string]any{}
	for k, v := range ci.EventDetail {
		eventDetail[k] = v
	}
	eventDetail["channel"], eventDetail["category"] = in.Channel, ci.Category.Code
	auditDetail := map[string]any{"channel": in.Channel, "category": ci.Category.Code, "grid": ci.GridCode}
	findNear := func(*tx, int64) error { return nil }
	var near *nearSearch
	if ci.Near.Metres > 0 && ci.NearFound != nil {
		near = &nearSearch{gridID: ci.GridID, cat: ci.Category, lng: ci.Lng, lat: ci.Lat, metres: ci.Near.Metres, since: ci.Near.Since, out: ci.NearFound}
		findNear = func(t *tx, id int64) error {
			found, err := near.run(t.query, "<", id)
			*ci.NearFound = found
			return err
		}
	}
	fn := func(t *tx, acc *rollupAcc) error {
		err := t.queryRow(`INSERT INTO cases (state, category_id, node_id, path, lng, lat, address, description, channel, reporter_id,
			reporter_name, reporter_phone, anonymous, follow_hash, stage, due_at, photos, received_day, created_at, updated_at, matter)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			redgrid.CaseReported, ci.Category.ID, ci.GridID, ci.GridPath, ci.Lng, ci.Lat, in.Address, in.Description, in.Channel, ci.ReporterID,
			in.ReporterName, in.ReporterPhone, in.Anonymous, follow, StageRegister, due, photos, day, now, now, string(ci.Category.Matter)).Scan(&id)
		if err != nil {
			return err
		}
		if err := findNear(t, id); err != nil {
			return err
		}
		for _, p := range ci.NewPhotos {
			p.CreatedAt = now
			if err := t.insertPhoto(p); err != nil {
				return err
			}
		}
		if len(in.Photos) > 0 {
			if err := t.attachPhotos(id, in.Photos, "photos"); err != nil {
				return err
			}
		}
		if err := t.caseEvent(id, "report", "", redgrid.CaseReported, "", eventDetail); err != nil {
			return err
		}
		if _, err := t.exec("INSERT INTO case_deadlines (case_id, stage, started_at, due_at, remind_at) VALUES (?, ?, ?, ?, ?)",
			id, StageRegister, now, due, remind); err != nil {
			return err
		}
		if err := t.audit("case.report", "case/"+strconv.FormatInt(id, 10), auditDetail); err != nil {
			return err
		}
		if hasKey {
			if _, err := t.exec("INSERT INTO idempotency_keys (user_id, idem_key, route, request_hash, resource, resource_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				actor.UserID, idem.Key, idem.Route, idem.RequestHash, "case", id, now); err != nil {
				return err
			}
		}
		acc.add(ci.GridPath, day, rcReceived, 1)
		acc.add(ci.GridPath, day, receivedOf(ci.Category.Matter), 1)
		return nil
	}
	var bulk *bulkRow
	if len(in.Photos) == 0 {
		// The same rows as fn, for a multi-row write shared with the batch (bulk.go).
		evJSON, err := json.Marshal(eventDetail)
		if err != nil {
			return redgrid.Case{}, false, err
		}
		auJSON, err := json.Marshal(auditDetail)
		if err != nil {
			return redgrid.Case{}, false, err
		}
		actorID, actorName := actorCols(actor)
		bulk = &bulkRow{id: &id, rollup: func(acc *rollupAcc) {
			acc.add(ci.GridPath, day, rcReceived, 1)
			acc.add(ci.GridPath, day, receivedOf(ci.Category.Matter), 1)
		}, near: near,
			values: func(id int64) (v [len(bulkTables)][]any) {
				v[0] = []any{id, redgrid.CaseReported, ci.Category.ID, ci.GridID, ci.GridPath, ci.Lng, ci.Lat, in.Address, in.Description, in.Channel,
					ci.ReporterID, in.ReporterName, in.ReporterPhone, in.Anonymous, follow, StageRegister, due, photos, day, now, now, string(ci.Category.Matter)}
				v[1] = []any{id, now, actorID, actorName, "report", "", string(redgrid.CaseReported), "", string(evJSON)}
				v[2] = []any{id, StageRegister, now, due, remind}
				v[3] = []any{now, actorID, actorName, "case.report", "case/" + strconv.FormatInt(id, 10), redgrid.OutcomeOK, actor.RemoteAddr, actor.RequestID, string(auJSON)}
				if hasKey {
					v[4] = []any{actor.UserID, idem.Key, idem.Route, idem.RequestHash, "case", id, now}
				}
				return v
			}}
	}
	err = s.writeGroupedBulk(ctx, fn, bulk)
	if err != nil {
		if hasKey && isUniqueErr(err) {
			if id, ok, lerr := s.lookupIdem(ctx, actor.UserID, idem, "case"); lerr == nil && ok {
				c, err := s.Case(ctx, id)
				return c, true, err
			}
		}
		return redgrid.Case{}, false, err
	}
	c := redgrid.Case{ID: id, Number: redgrid.CaseNumber(now, id), State: redgrid.CaseReported, Category: ci.Category.Code,
		CategoryName: ci.Category.Name, Kind: ci.Category.Kind, Matter: ci.Category.Matter, CategoryMatter: ci.Category.Matter, GridID: ci.GridID, GridCode: ci.GridCode,
		GridName: ci.GridName, Path: ci.GridPath, Lng: ci.Lng, Lat: ci.Lat, Address: in.Address, Description: in.Description,
		Channel: in.Channel, ReporterID: ci.ReporterID, ReporterName: ci.In.ReporterName, ReporterPhone: ci.In.ReporterPhone,
		Anonymous: in.Anonymous, Departments: []redgrid.CaseDepartment{}, LevelName: redgrid.LevelGrid.Name(), Stage: StageRegister,
		DueAt: &due, Photos: nonNil(in.Photos), Version: 1, CreatedAt: now, UpdatedAt: now}
	return c, false, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// attachPhotos links uploaded photos to a case; each must exist, belong to no case yet and have
// been uploaded by the actor: by the same user, or, for an actor without an account (a resident
// on the public page), from the public page. So a photo id seen elsewhere cannot be put on a case
// by someone else.
func (t *tx) attachPhotos(caseID int64, ids []string, field string) error {
	uploader, args := "uploader_id IS NULL", []any{}
	if a := redgrid.ActorFrom(t.ctx); a.UserID != 0 {
		uploader, args = "uploader_id = ?", []any{a.UserID}
	}
	for i, p := range ids {
		res, err := t.exec("UPDATE photos SET case_id = ? WHERE id = ? AND case_id IS NULL AND "+uploader, append([]any{caseID, p}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redgrid.Invalid(fmt.Sprintf("%s[%d]", field, i), "exists", "photo "+p+" was not uploaded by you or belongs to another case")
		}
	}
	return nil
}

func (t *tx) caseEvent(caseID int64, action string, from, to redgrid.CaseState, reason string, detail map[string]any) error {
	_, err := t.caseEventID(caseID, action, from, to, reason, detail)
	return err
}

// caseEventID records an event of a case and returns its id.
func (t *tx) caseEventID(caseID int64, action string, from, to redgrid.CaseState, reason string, detail map[string]any) (int64, error) {
	a := redgrid.ActorFrom(t.ctx)
	d := "{}"
	if len(detail) > 0 {
		b, err := json.Marshal(detail)
		if err != nil {
			return 0, err
		}
		d = string(b)
	}
	actorID, name := actorCols(a)
	var id int64
	err := t.queryRow("INSERT INTO case_events (case_id, at, actor_id, actor, action, from_state, to_state, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		caseID, t.s.now().UTC(), actorID, name, action, string(from), string(to), reason, d).Scan(&id)
	return id, err
}

// ---- reading ----

const caseCols = `c.id, c.state, c.category_id, c.node_id, n.code, n.name, c.path, c.lng, c.lat, c.address, c.description, c.channel,
	c.reporter_id, c.reporter_name, c.reporter_phone, c.anonymous, c.lead_org_id, c.level, c.stage, c.due_at, c.overdue, c.paused_s,
	c.reopened, c.reworks, c.returns, c.extensions, c.extend_request, c.rating, c.resolved, c.merged_into, c.photos, c.flags,
	c.version, c.created_at, c.updated_at, c.closed_at, c.received_day, c.dispatch_node_id, c.matter, c.route, c.guidance`

type caseRow struct {
	redgrid.Case
	categoryID int64
	leadOrg    *int64
	pausedS    *int64
	flags      int
	day        string
}

func scanCase(r scanner) (caseRow, error) {
	var c caseRow
	var due, closed timeCol
	var created, updated timeCol
	var photos string
	var dueRaw, closedRaw any
	err := r.Scan(&c.ID, &c.State, &c.categoryID, &c.GridID, &c.GridCode, &c.GridName, &c.Path, &c.Lng, &c.Lat, &c.Address, &c.Description, &c.Channel,
		&c.ReporterID, &c.ReporterName, &c.ReporterPhone, &c.Anonymous, &c.leadOrg, &c.Level, &c.Stage, &dueRaw, &c.Overdue, &c.pausedS,
		&c.Reopened, &c.Reworks, &c.Returns, &c.Extensions, &c.ExtendRequest, &c.Rating, &c.Resolved, &c.MergedInto, &photos, &c.flags,
		&c.Version, &created, &updated, &closedRaw, &c.day, &c.DispatchNodeID, &c.Matter, &c.Route, &c.Guidance)
	if err != nil {
		return c, err
	}
	if dueRaw != nil {
		if err := due.Scan(dueRaw); err != nil {
			return c, err
		}
		c.DueAt = &due.t
	}
	if closedRaw != nil {
		if err := closed.Scan(closedRaw); err != nil {
			return c, err
		}
		c.ClosedAt = &closed.t
	}
	c.CreatedAt, c.UpdatedAt = created.t, updated.t
	c.Number = redgrid.CaseNumber(c.CreatedAt, c.ID)
	c.LevelName = c.Level.Name()
	c.Photos = []string{}
	if photos != "" {
		c.Photos = strings.Split(photos, ",")
	}
	c.Departments = []redgrid.CaseDepartment{}
	return c, nil
}

func (s *Store) fillCategory(ctx context.Context, c *caseRow) error {
	cat, err := s.categoryByID(ctx, c.categoryID)
	if err != nil {
		return err
	}
	c.Category, c.CategoryName, c.Kind, c.CategoryMatter = cat.Code, cat.Name, cat.Kind, cat.Matter
	if c.Matter == "" {
		c.Matter = cat.Matter
	}
	return nil
}

// Case returns one case with its departments and timeline; KindNotFound when there is none.
func (s *Store) Case(ctx context.Context, id int64) (redgrid.Case, error) {
	return s.readCase(ctx, nil, id)
}

// readCase reads a case, inside the transaction t when t is not nil (what an action answers is
// the case as its own transaction left it).
func (s *Store) readCase(ctx context.Context, t *tx, id int64) (redgrid.Case, error) {
	const one = "SELECT " + caseCols + " FROM cases c JOIN nodes n ON n.id = c.node_id WHERE c.id = ?"
	const events = "SELECT id, at, actor_id, actor, action, from_state, to_state, reason, detail FROM case_events WHERE case_id = ? ORDER BY id"
	var row *sql.Row
	if t != nil {
		row = t.queryRow(one, id)
	} else {
		row = s.queryRow(ctx, one, id)
	}
	c, err := scanCase(row)
	if errors.Is(err, sql.ErrNoRows) {
		return redgrid.Case{}, redgrid.Errorf(redgrid.KindNotFound, "case %d not found", id)
	}
	if err != nil {
		return redgrid.Case{}, fmt.Errorf("case: %w", err)
	}
	if err := s.fillCategory(ctx, &c); err != nil {
		return redgrid.Case{}, err
	}
	if err := s.openReporter(&c.Case); err != nil {
		return redgrid.Case{}, err
	}
	if c.Departments, err = s.caseDepartments(ctx, t, id); err != nil {
		return redgrid.Case{}, err
	}
	var rows *sql.Rows
	if t != nil {
		rows, err = t.query(events, id)
	} else {
		rows, err = s.query(ctx, events, id)
	}
	if err != nil {
		return redgrid.Case{}, err
	}
	defer rows.Close()
	c.Events = []redgrid.CaseEvent{}
	for rows.Next() {
		var e redgrid.CaseEvent
		var at timeCol
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.From, &e.To, &e.Reason, &detail); err != nil {
			return redgrid.Case{}, err
		}
		e.At = at.t
		if detail != "{}" {
			json.Unmarshal([]byte(detail), &e.Detail)
		}
		c.Events = append(c.Events, e)
	}
	return c.Case, rows.Err()
}

func (s *Store) caseDepartments(ctx context.Context, t *tx, id int64) ([]redgrid.CaseDepartment, error) {
	m, err := s.departmentsOf(ctx, t, []int64{id})
	if err != nil {
		return nil, err
	}
	if d := m[id]; d != nil {
		return d, nil
	}
	return []redgrid.CaseDepartment{}, nil
}

// departmentsOf returns the departments on each of the cases, in one query (a list page shows
// each department's own deadlines).
func (s *Store) departmentsOf(ctx context.Context, t *tx, ids []int64) (map[int64][]redgrid.CaseDepartment, error) {
	out := map[int64][]redgrid.CaseDepartment{}
	if len(ids) == 0 {
		return out, nil
	}
	// The list is padded to a power of two (repeating an id changes nothing) so that a few
	// statements serve every page size in the prepared-statement cache.
	n := 1
	for n < len(ids) {
		n *= 2
	}
	q := `SELECT co.case_id, co.org_id, o.name, co.role, co.state, co.dispatched_at, co.accept_due, co.accepted_at, co.handle_due, co.handled_at
		FROM case_orgs co JOIN orgs o ON o.id = co.org_id WHERE co.case_id IN (?` + strings.Repeat(", ?", n-1) + `) ORDER BY co.case_id, co.role DESC, co.org_id`
	args := make([]any, n)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	var rows *sql.Rows
	var err error
	if t != nil {
		rows, err = t.query(q, args...)
	} else {
		rows, err = s.query(ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var caseID int64
		var d redgrid.CaseDepartment
		var disp timeCol
		var ad, aa, hd, ha any
		if err := rows.Scan(&caseID, &d.OrgID, &d.Name, &d.Role, &d.State, &disp, &ad, &aa, &hd, &ha); err != nil {
			return nil, err
		}
		d.DispatchedAt = disp.t
		if d.AcceptDue, err = optTime(ad); err == nil {
			if d.AcceptedAt, err = optTime(aa); err == nil {
				if d.HandleDue, err = optTime(hd); err == nil {
					d.HandledAt, err = optTime(ha)
				}
			}
		}
		if err != nil {
			return nil, err
		}
		out[caseID] = append(out[caseID], d)
	}
	return out, rows.Err()
}

func optTime(v any) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	var c timeCol
	if err := c.Scan(v); err != nil {
		return nil, err
	}
	return &c.t, nil
}

// CaseFilter selects cases for a list.
type CaseFilter struct {
	Scopes  []string // subtrees of the caller (nil: none)
	OrgIDs  []int64  // or: cases on which one of these departments is dispatched
	States  []redgrid.CaseState
	NodeID  int64 // within this node's subtree
	Path    string
	Q       string // number or words of the description/address
	Overdue bool
	Level   *redgrid.Level
	// Category: a minor category's 4-digit code, or a major one's 2 digits (its minor categories).
	Category string
	// Stages: the stages whose deadline runs (register, accept, handle, verify, rate).
	Stages []string
	// Mine: cases this user reported.
	ReporterID int64
	// Order: "due" (time left, most urgent first: the dispatch board) or "new" (newest first).
	Order    string
	Limit    int // 1 to 1000 (default 100)
	BeforeID int64
	// AfterID and AfterDue page Order "due": only the cases after case AfterID, whose due time
	// was AfterDue (nil: no running deadline), in that order — the next page of the board.
	AfterID  int64
	AfterDue *time.Time
	// Inbox: a tab of the department's inbox (部门待办) — InboxAccept, InboxHandle, InboxDone —
	// of the departments OrgIDs: only cases on which one of them is dispatched, in that tab.
	// Order "due" then orders by the departments' own running deadline (to accept, then to
	// handle: DepartmentDue), and AfterDue is that deadline of the case AfterID.
	Inbox string
	// IDs, Categories (codes) and the period received [From, To] narrow the list further (Open311).
	IDs        []int64
	Categories []string
	From, To   time.Time
}

// The tabs of a department's inbox (部门待办).
const (
	InboxAccept = "accept" // to accept (报到): the department is dispatched, the case is open
	InboxHandle = "handle" // handling: the department accepted, the case is not yet fed back
	InboxDone   = "done"   // the department handled or returned it, or the case is fed back or closed
)

// inboxJoin is the join of an inbox tab over n departments (n placeholders for their ids, first
// in the statement) giving each case the departments' running deadline as d.org_due, and the
// condition on the case's state the tab adds; ok is false for an unknown tab or no departments.
// A case on several of the departments counts once, by the earliest of their deadlines. The
// tabs are those of web/src/views/cases/InboxView.vue.
func inboxJoin(tab string, n int) (join, cond string, ok bool) {
	if n == 0 {
		return "", "", false
	}
	orgs := "org_id IN (?" + strings.Repeat(", ?", n-1) + ")"
	running := "CASE state WHEN 'dispatched' THEN accept_due WHEN 'accepted' THEN handle_due END"
	switch tab {
	case InboxAccept:
		return "JOIN (SELECT case_id, MIN(accept_due) AS org_due FROM case_orgs WHERE " + orgs + " AND state = 'dispatched' GROUP BY case_id) d ON d.case_id = c.id",
			"c.state NOT IN ('closed', 'voided')", true
	case InboxHandle:
		return "JOIN (SELECT case_id, MIN(handle_due) AS org_due FROM case_orgs WHERE " + orgs + " AND state = 'accepted' GROUP BY case_id) d ON d.case_id = c.id",
			"c.state NOT IN ('closed', 'voided', 'handled', 'verified')", true
	case InboxDone:
		return "JOIN (SELECT case_id, MIN(" + running + ") AS org_due, MAX(CASE WHEN state IN ('handled', 'returned') THEN 1 ELSE 0 END) AS finished FROM case_orgs WHERE " + orgs + " GROUP BY case_id) d ON d.case_id = c.id",
			"(d.finished = 1 OR c.state IN ('handled', 'verified', 'closed'))", true
	}
	return "", "", false
}

// Cases lists cases matching f without their timelines.
func (s *Store) Cases(ctx context.Context, f CaseFilter) ([]redgrid.Case, error) {
	var where []string
	var args []any
	var access []string
	if len(f.Scopes) > 0 {
		w, a := scopeWhere("c.path", f.Scopes)
		access = append(access, w)
		args = append(args, a...)
	}
	if len(f.OrgIDs) > 0 {
		access = append(access, "EXISTS (SELECT 1 FROM case_orgs co WHERE co.case_id = c.id AND co.org_id IN (?"+strings.Repeat(", ?", len(f.OrgIDs)-1)+"))")
		for _, id := range f.OrgIDs {
			args = append(args, id)
		}
	}
	if f.ReporterID != 0 {
		access = append(access, "c.reporter_id = ?")
		args = append(args, f.ReporterID)
	}
	if len(access) == 0 {
		return []redgrid.Case{}, nil
	}
	where = append(where, "("+strings.Join(access, " OR ")+")")
	if f.Path != "" {
		where = append(where, "c.path >= ? AND c.path < ?")
		args = append(args, f.Path, rangeEnd(f.Path))
	}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "c.state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Overdue {
		where = append(where, "c.overdue = ?")
		args = append(args, true)
	}
	if f.Level != nil {
		where = append(where, "c.level = ?")
		args = append(args, int(*f.Level))
	}
	if f.Category != "" {
		where = append(where, "c.category_id IN (SELECT id FROM case_categories WHERE code = ? OR parent_code = ?)")
		args = append(args, f.Category, f.Category)
	}
	if len(f.Stages) > 0 {
		where = append(where, "c.stage IN (?"+strings.Repeat(", ?", len(f.Stages)-1)+")")
		for _, st := range f.Stages {
			args = append(args, st)
		}
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if len(q) == 14 && allDigits(q) {
			id, _ := strconv.ParseInt(q[8:], 10, 64)
			where = append(where, "c.id = ?")
			args = append(args, id)
		} else {
			where = append(where, "(c.description LIKE ? ESCAPE '\\' OR c.address LIKE ? ESCAPE '\\')")
			like := "%" + likeEscape(q) + "%"
			args = append(args, like, like)
		}
	}
	if f.BeforeID > 0 {
		where = append(where, "c.id < ?")
		args = append(args, f.BeforeID)
	}
	// the due time Order "due" sorts by: the case's, or in an inbox its departments' own
	dueCol, from := "c.due_at", "cases c JOIN nodes n ON n.id = c.node_id"
	if f.Inbox != "" {
		join, cond, ok := inboxJoin(f.Inbox, len(f.OrgIDs))
		if !ok {
			return []redgrid.Case{}, nil
		}
		dueCol, from = "d.org_due", from+" "+join
		ja := make([]any, 0, len(f.OrgIDs)+len(args))
		for _, id := range f.OrgIDs {
			ja = append(ja, id)
		}
		args = append(ja, args...) // the join's placeholders come before the WHERE's
		where = append(where, cond)
	}
	if f.AfterID > 0 {
		if f.AfterDue == nil {
			where = append(where, dueCol+" IS NULL AND c.id > ?")
			args = append(args, f.AfterID)
		} else {
			due := f.AfterDue.UTC()
			where = append(where, "("+dueCol+" IS NULL OR "+dueCol+" > ? OR ("+dueCol+" = ? AND c.id > ?))")
			args = append(args, due, due, f.AfterID)
		}
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return []redgrid.Case{}, nil
		}
		where = append(where, "c.id IN (?"+strings.Repeat(", ?", len(f.IDs)-1)+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Categories != nil {
		var ids []any
		for _, code := range f.Categories {
			if c, ok, err := s.CategoryByCode(ctx, code); err != nil {
				return nil, err
			} else if ok {
				ids = append(ids, c.ID)
			}
		}
		if len(ids) == 0 {
			return []redgrid.Case{}, nil
		}
		where = append(where, "c.category_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")")
		args = append(args, ids...)
	}
	if !f.From.IsZero() {
		where = append(where, "c.created_at >= ?")
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where = append(where, "c.created_at <= ?")
		args = append(args, f.To.UTC())
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	order := "c.id DESC"
	if f.Order == "due" {
		order = "CASE WHEN " + dueCol + " IS NULL THEN 1 ELSE 0 END, " + dueCol + ", c.id"
	}
	q := "SELECT " + caseCols + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " LIMIT ?"
	args = append(args, limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	defer rows.Close()
	var crs []caseRow
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("cases: %w", err)
		}
		crs = append(crs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	ids := make([]int64, len(crs))
	for i := range crs {
		ids[i] = crs[i].ID
	}
	depts, err := s.departmentsOf(ctx, nil, ids)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	out := make([]redgrid.Case, 0, len(crs))
	for i := range crs {
		if err := s.fillCategory(ctx, &crs[i]); err != nil {
			return nil, err
		}
		if err := s.openReporter(&crs[i].Case); err != nil {
			return nil, err
		}
		crs[i].Departments = depts[crs[i].ID]
		if crs[i].Departments == nil {
			crs[i].Departments = []redgrid.CaseDepartment{}
		}
		out = append(out, crs[i].Case)
	}
	return out, nil
}

// inList is the placeholders of an IN list of n > 0 values; idArgs are ids as its arguments.
func inList(n int) string { return "?" + strings.Repeat(", ?", n-1) }

func idArgs(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// ReportDetails returns the detail of the report event of each of the cases ids that has one.
func (s *Store) ReportDetails(ctx context.Context, ids []int64) (map[int64]map[string]any, error) {
	out := map[int64]map[string]any{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, "SELECT case_id, detail FROM case_events WHERE action = 'report' AND case_id IN ("+inList(len(ids))+")", idArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("report details: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var detail string
		if err := rows.Scan(&id, &detail); err != nil {
			return nil, fmt.Errorf("report details: %w", err)
		}
		var d map[string]any
		if json.Unmarshal([]byte(detail), &d) == nil && d != nil {
			out[id] = d
		}
	}
	return out, rows.Err()
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// CaseByFollowHash finds the case an anonymous reporter follows; a merged case leads to the
// surviving one.
func (s *Store) CaseByFollowHash(ctx context.Context, hash string) (redgrid.Case, error) {
	var id int64
	var merged *int64
	err := s.queryRow(ctx, "SELECT id, merged_into FROM cases WHERE follow_hash = ?", hash).Scan(&id, &merged)
	if errors.Is(err, sql.ErrNoRows) {
		return redgrid.Case{}, redgrid.Errorf(redgrid.KindNotFound, "no case for this link")
	}
	if err != nil {
		return redgrid.Case{}, err
	}
	for i := 0; merged != nil && i < 10; i++ {
		id = *merged
		if err := s.queryRow(ctx, "SELECT merged_into FROM cases WHERE id = ?", id).Scan(&merged); err != nil {
			return redgrid.Case{}, err
		}
	}
	return s.Case(ctx, id)
}

// maxDuplicates is how many duplicate candidates intake suggests, the most recent first.
const maxDuplicates = 10

// OpenCasesNear returns the open cases of a category in a grid received since since, within a
// box around (lng, lat) that holds the circle of the given radius, except one: the candidates
// for a duplicate (the caller measures the exact distance). It reads the band of the partial
// index of open cases around lat only.
func (s *Store) OpenCasesNear(ctx context.Context, gridID int64, category string, lng, lat, metres float64, since time.Time, except int64) ([]redgrid.Case, error) {
	cat, ok, err := s.CategoryByCode(ctx, category)
	if err != nil || !ok {
		return nil, err
	}
	n := nearSearch{gridID: gridID, cat: cat, lng: lng, lat: lat, metres: metres, since: since}
	return n.run(func(q string, args ...any) (*sql.Rows, error) { return s.query(ctx, q, args...) }, "<>", except)
}

// nearSearch is one duplicate search: the open cases of a category in a grid within a radius of
// a point, received since a time, with an id below (or other than) a case's.
type nearSearch struct {
	gridID   int64
	cat      redgrid.Category
	lng, lat float64
	metres   float64
	since    time.Time
	// out receives the candidates of the bulk lookup (nearAll).
	out *[]redgrid.Case
}

// sql is the search's SELECT with each parameter written by v (a placeholder, or a column of the
// batch's unnest in nearAll); not is the condition on id that leaves the case itself out
// ("id <> " or "id < " followed by v("id")). The box around the circle reads the index
// (cases_open_near); the circle itself is tested on the local flat approximation (1.01 × the
// radius, so that it never drops a point the exact distance the caller measures would keep);
// only then are the most recent taken.
func (n nearSearch) sql(v func(name string) string, not string) string {
	return n.sqlOf(nearCaseCols, v, not)
}

// nearCaseCols are the columns of a candidate that scan reads.
const nearCaseCols = "id, state, lng, lat, description, created_at"

// sqlOf is sql selecting cols.
func (n nearSearch) sqlOf(cols string, v func(name string) string, not string) string {
	return `SELECT ` + cols + ` FROM cases
		WHERE node_id = ` + v("node") + ` AND category_id = ` + v("cat") + ` AND lat BETWEEN ` + v("lat0") + ` AND ` + v("lat1") +
		` AND lng BETWEEN ` + v("lng0") + ` AND ` + v("lng1") + `
		AND (lat - ` + v("lat") + `) * (lat - ` + v("lat") + `) + (lng - ` + v("lng") + `) * (lng - ` + v("lng") + `) * ` + v("cos2") + ` <= ` + v("r2") + `
		AND state NOT IN ('closed', 'voided') AND created_at >= ` + v("since") + ` AND id ` + not + ` ` + v("id") + `
		ORDER BY created_at DESC, id DESC LIMIT ` + strconv.Itoa(maxDuplicates)
}

// args are the values of the search's parameters, by name, for the case id.
func (n nearSearch) args(id int64) map[string]any {
	dLat := n.metres / 111_000 * 1.01
	cos := max(math.Cos(n.lat*math.Pi/180), 0.01)
	dLng := dLat / cos
	return map[string]any{"node": n.gridID, "cat": n.cat.ID, "lat0": n.lat - dLat, "lat1": n.lat + dLat, "lng0": n.lng - dLng,
		"lng1": n.lng + dLng, "lat": n.lat, "lng": n.lng, "cos2": cos * cos, "r2": dLat * dLat, "since": n.since.UTC(), "id": id}
}

// nearCols are the parameters of a search in the order of nearAll's unnest, with their types.
var nearCols = [...][2]string{{"node", "bigint"}, {"cat", "bigint"}, {"lat0", "float8"}, {"lat1", "float8"}, {"lng0", "float8"},
	{"lng1", "float8"}, {"lat", "float8"}, {"lng", "float8"}, {"cos2", "float8"}, {"r2", "float8"}, {"since", "timestamptz"}, {"id", "bigint"}}

// run reads the candidates with query (a reader's or a transaction's); not is "<>" or "<".
func (n nearSearch) run(query func(string, ...any) (*sql.Rows, error), not string, id int64) ([]redgrid.Case, error) {
	vals := n.args(id)
	var args []any
	q := n.sql(func(name string) string { args = append(args, vals[name]); return "?" }, not)
	rows, err := query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []redgrid.Case{}
	for rows.Next() {
		c, err := n.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n.of(c))
	}
	return out, rows.Err()
}

// scan reads one candidate of the search: the columns of dest first in r's row, then the case's.
func (n nearSearch) scan(r scanner, dest ...any) (redgrid.Case, error) {
	var c redgrid.Case
	var created timeCol
	if err := r.Scan(append(dest, &c.ID, &c.State, &c.Lng, &c.Lat, &c.Description, &created)...); err != nil {
		return c, err
	}
	c.CreatedAt, c.Number = created.t, redgrid.CaseNumber(created.t, c.ID)
	return c, nil
}

// of is c, read by a search, named with the search's grid and category.
func (n nearSearch) of(c redgrid.Case) redgrid.Case {
	c.GridID, c.Category, c.CategoryName = n.gridID, n.cat.Code, n.cat.Name
	return c
}

// nearAll runs the searches of a batch of new cases in one statement per engine's batch, each
// case seeing the cases received before it (ids below its own, this batch's included): a round
// trip (PostgreSQL) or a statement's start and end (SQLite) per case cost more than the search.
// The parameters of every search are a table q, joined with each row's own search.
func (t *tx) nearAll(searches []*nearSearch, ids []int64) error {
	for _, n := range searches {
		*n.out = []redgrid.Case{}
	}
	names := make([]string, len(nearCols))
	for c, col := range nearCols {
		names[c] = col[0]
	}
	own := func(name string) string { return "q." + name }
	if t.s.dialect == postgres {
		// q is an unnest of one array per parameter (one statement and plan for any batch); the
		// search is a lateral subquery, so that it stops at its own LIMIT.
		cols := make([][]any, len(nearCols))
		idx := make([]int64, len(searches))
		for i, n := range searches {
			idx[i] = int64(i)
			vals := n.args(ids[i])
			for c, col := range nearCols {
				cols[c] = append(cols[c], vals[col[0]])
			}
		}
		args := []any{idx}
		arrays := []string{"?::bigint[]"}
		for c, col := range nearCols {
			switch col[1] {
			case "bigint":
				args = append(args, typed[int64](cols[c]))
			case "float8":
				args = append(args, typed[float64](cols[c]))
			default:
				args = append(args, typed[time.Time](cols[c]))
			}
			arrays = append(arrays, "?::"+col[1]+"[]")
		}
		q := "SELECT q.i, c." + strings.ReplaceAll(nearCaseCols, ", ", ", c.") + " FROM unnest(" + strings.Join(arrays, ", ") +
			") AS q(i, " + strings.Join(names, ", ") + ") CROSS JOIN LATERAL (" + searches[0].sql(own, "<") +
			") AS c ORDER BY q.i, c.created_at DESC, c.id DESC"
		return t.nearRows(searches, q, args)
	}
	// SQLite: q is a VALUES list (in chunks, so that only a few statements are prepared and
	// cached), and each row of q takes the cases whose ids its own search returns.
	for from := 0; from < len(searches); {
		size := chunk(len(searches) - from)
		row := "(?" + strings.Repeat(", ?", len(nearCols)) + ")"
		args := make([]any, 0, size*(len(nearCols)+1))
		for i := from; i < from+size; i++ {
			vals := searches[i].args(ids[i])
			args = append(args, int64(i))
			for _, col := range nearCols {
				args = append(args, vals[col[0]])
			}
		}
		q := "WITH q(i, " + strings.Join(names, ", ") + ") AS (VALUES " + row + strings.Repeat(", "+row, size-1) +
			") SELECT q.i, c." + strings.ReplaceAll(nearCaseCols, ", ", ", c.") + " FROM q JOIN cases c ON c.id IN (" +
			searches[0].sqlOf("id", own, "<") + ") ORDER BY q.i, c.created_at DESC, c.id DESC"
		if err := t.nearRows(searches, q, args); err != nil {
			return err
		}
		from += size
	}
	return nil
}

// nearRows reads the candidates of a nearAll statement into their searches' results.
func (t *tx) nearRows(searches []*nearSearch, q string, args []any) error {
	rows, err := t.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		c, err := nearSearch{}.scan(rows, &i)
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(searches)) {
			return fmt.Errorf("sqlstore: duplicate search %d of %d", i, len(searches))
		}
		n := searches[i]
		*n.out = append(*n.out, n.of(c))
	}
	return rows.Err()
}

// AgendaItem is a case on the list of a level's next joint meeting.
type AgendaItem struct {
	CaseID    int64     `json:"case_id"`
	Number    string    `json:"number"`
	Level     int       `json:"level"`
	LevelName string    `json:"level_name"`
	Reason    string    `json:"reason"`
	AddedAt   time.Time `json:"added_at"`
	State     string    `json:"state"`
	Category  string    `json:"category_name"`
	GridName  string    `json:"grid_name"`
}

// Agenda lists the cases waiting for the next joint meeting held at a node, oldest first.
func (s *Store) Agenda(ctx context.Context, nodeID int64) ([]AgendaItem, error) {
	rows, err := s.query(ctx, `SELECT a.case_id, a.level, a.reason, a.added_at, c.state, c.category_id, n.name, c.created_at
		FROM agenda_items a JOIN cases c ON c.id = a.case_id JOIN nodes n ON n.id = c.node_id
		WHERE a.node_id = ? AND a.meeting_on IS NULL ORDER BY a.added_at, a.case_id`, nodeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AgendaItem{}
	var cats []int64
	for rows.Next() {
		var a AgendaItem
		var added, created timeCol
		var cat int64
		if err := rows.Scan(&a.CaseID, &a.Level, &a.Reason, &added, &a.State, &cat, &a.GridName, &created); err != nil {
			return nil, err
		}
		a.AddedAt, a.Number, a.LevelName = added.t, redgrid.CaseNumber(created.t, a.CaseID), redgrid.Level(a.Level).Name()
		out = append(out, a)
		cats = append(cats, cat)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	cs, err := s.categoriesOf(ctx, cats)
	for i := range cs {
		out[i].Category = cs[i].Name
	}
	return out, err
}

// categoriesOf returns the category of each id, in order (from the cache).
func (s *Store) categoriesOf(ctx context.Context, ids []int64) ([]redgrid.Category, error) {
	out := make([]redgrid.Category, 0, len(ids))
	for _, id := range ids {
		c, err := s.categoryByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// typed is vs as a slice of T (each element is a T).
func typed[T any](vs []any) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = v.(T)
	}
	return out
}
