package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/notify"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/redgrid/redgrid/internal/worktime"
)

// syncBuffer is a child process's stderr, read while the process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestDeadlineJobsOnceAcrossTwoServerProcesses: two `redgrid serve` processes on one database
// (PostgreSQL with REDGRID_TEST_PG; SQLite's file shared by the two processes always), their job
// loops running every 20 ms, find the deadlines of cases at every stage — register, accept (a lead
// and a co-handler), handle (the lead's and the co-handler's), a lead handling while its
// co-handler has not accepted — passed on a holiday calendar. Every reminder, overdue flag,
// escalation step, notification, agenda item and webhook message happens exactly once: counted
// in the database, in the two servers' own logs, and by two robots (WeCom and DingTalk receivers)
// that count what they are sent. The servers run on a test clock (REDGRID_TEST_CLOCK) set in 2030,
// so nothing would be due on the real one.
func TestDeadlineJobsOnceAcrossTwoServerProcesses(t *testing.T) {
	redgridtest.ForEach(t, func(t *testing.T, e redgridtest.Engine) {
		ctx := context.Background()
		dir := t.TempDir()
		dsn := e.DSN(t)
		cst := time.FixedZone("CST", 8*3600)
		// 劳动节 2030 (synthetic, in the notice's form): 1–5 May off, Saturday 11 May worked.
		holidays := filepath.Join(dir, "holidays.txt")
		if err := os.WriteFile(holidays, []byte("# 2030 劳动节\n2030-05-01~2030-05-05 休\n2030-05-11 班\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ps, _ := worktime.ParsePeriods(worktime.DefaultPeriods)
		hol, makeUp, err := worktime.ParseHolidays(strings.NewReader("2030-05-01~2030-05-05 休\n2030-05-11 班\n"))
		if err != nil {
			t.Fatal(err)
		}
		cal, err := worktime.New(ps, hol, makeUp)
		if err != nil {
			t.Fatal(err)
		}
		// Tuesday 30 April 2030, 17:00 CST: half an hour of the working day left before the holiday.
		var mu sync.Mutex
		now := time.Date(2030, 4, 30, 17, 0, 0, 0, cst)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		s := redgridtest.OpenDSN(t, dsn, sqlstore.Options{Now: clock, Calendar: cal, Cases: sqlstore.CaseOptions{Webhooks: true, PublicURL: "https://grid.example"}})
		tr := redgridtest.BuildTree(t, s)
		if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
			t.Fatal(err)
		}
		dept2, _, err := s.CreateOrg(ctx, redgrid.NewOrg{Kind: redgrid.OrgDepartment, Name: "园林局", HomeNodeID: tr.District.ID, NodeIDs: []int64{tr.Street1.ID}})
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := auth.Hash("password-1234", auth.TestParams)
		staff := redgridtest.AddUser(t, s, "street1", hash, redgrid.RoleStreetOperator, tr.Street1.ID, 0)
		as := redgrid.WithActor(ctx, redgrid.Actor{UserID: staff.ID, Username: staff.Username})
		cat, _, _ := s.CategoryByCode(ctx, "0101")
		report := func(grid redgrid.Node) redgrid.Case {
			t.Helper()
			lng, lat := 110.77, 32.59
			in := redgrid.NewCase{Category: "0101", Lng: &lng, Lat: &lat, Description: "双服务器测试", Channel: redgrid.ChannelPhone}
			c, _, err := s.CreateCase(ctx, sqlstore.CaseIntake{In: in, Category: cat, GridID: grid.ID, GridPath: grid.Path, GridCode: grid.Code, Lng: lng, Lat: lat})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		act := func(c redgrid.Case, org int64, in redgrid.CaseActionIn) {
			t.Helper()
			if _, _, err := s.ActOnCase(as, c.ID, in, func(*redgrid.Case, redgrid.CaseAction) (int64, error) { return org, nil }); err != nil {
				t.Fatalf("%s case %d: %v", in.Action, c.ID, err)
			}
		}
		dispatch := func(c redgrid.Case) {
			act(c, 0, redgrid.CaseActionIn{Action: redgrid.ActRegister})
			act(c, 0, redgrid.CaseActionIn{Action: redgrid.ActDispatch, Lead: &tr.Department.ID, Co: []int64{dept2.ID}})
		}
		accept := func(c redgrid.Case, org int64) { act(c, org, redgrid.CaseActionIn{Action: redgrid.ActAccept}) }
		grids := []redgrid.Node{tr.Grid1, tr.Grid2, tr.Grid3}
		var cases []redgrid.Case
		for i := range 8 {
			c := report(grids[i%3])
			cases = append(cases, c)
			switch i % 4 {
			case 0: // register stage
				// One working hour from 17:00 on the eve of the holiday: 17:30, then 6 May 09:30.
				if want := time.Date(2030, 5, 6, 9, 30, 0, 0, cst); !c.DueAt.Equal(want) {
					t.Fatalf("register due %v, want %v (the holiday calendar)", c.DueAt.In(cst), want)
				}
			case 1: // accept stage, lead and co-handler
				dispatch(c)
			case 2: // handle stage, lead and co-handler
				dispatch(c)
				accept(c, tr.Department.ID)
				accept(c, dept2.ID)
			case 3: // the lead handles, the co-handler has not accepted
				dispatch(c)
				accept(c, tr.Department.ID)
			}
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := s.DB().QueryRow(q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		open := count("SELECT COUNT(*) FROM case_deadlines WHERE done_at IS NULL")
		leadHandle := count(`SELECT COUNT(*) FROM case_deadlines d JOIN case_orgs o ON o.case_id = d.case_id AND o.org_id = d.org_id
			WHERE d.done_at IS NULL AND d.stage = 'handle' AND o.role = 'lead'`)
		queued := count("SELECT COUNT(*) FROM webhook_outbox")
		if open != 2+2*2+2*2+2*2 || leadHandle != 4 || count("SELECT COUNT(*) FROM case_deadlines WHERE reminded_at IS NOT NULL OR fired_at IS NOT NULL") != 0 {
			t.Fatalf("%d running deadlines (%d lead handling) before the servers start", open, leadHandle)
		}
		s.Close()
		redgridtest.WriteKeyFile(t, dir)
		wecom := newRobot(t, notify.WeCom, "")
		ding := newRobot(t, notify.DingTalk, "SECtwo-servers")

		clockFile := filepath.Join(dir, "clock")
		setClock := func(at time.Time) {
			t.Helper()
			tmp := clockFile + ".new"
			if err := os.WriteFile(tmp, []byte(at.Format(time.RFC3339)), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, clockFile); err != nil {
				t.Fatal(err)
			}
		}
		setClock(now) // the servers start at the moment the cases were made
		type server struct {
			cmd    *exec.Cmd
			stderr *syncBuffer
			exited chan struct{}
			addr   string
		}
		var servers []*server
		for range 2 {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			args := []string{"serve", "--addr", addr, "--data", dir, "--db", dsn, "--log-format", "text",
				"--jobs-every", "20ms", "--holidays", holidays, "--public-url", "https://grid.example", "--webhook", wecom.spec(), "--webhook", ding.spec()}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "REDGRID_TEST_CHILD_ARGS="+strings.Join(args, "\x1f"), testClockEnv+"="+clockFile)
			srv := &server{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
			cmd.Stderr = srv.stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { cmd.Wait(); close(srv.exited) }()
			t.Cleanup(func() { cmd.Process.Kill(); <-srv.exited })
			srv.addr = addr
			servers = append(servers, srv)
		}
		logs := func() string {
			var out []string
			for i, srv := range servers {
				out = append(out, fmt.Sprintf("server %d:\n%s", i+1, srv.stderr.String()))
			}
			return strings.Join(out, "\n")
		}
		s = redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
		alive := func() {
			t.Helper()
			for i, srv := range servers {
				select {
				case <-srv.exited:
					t.Fatalf("server %d exited\n%s", i+1, logs())
				default:
				}
			}
		}
		// Both servers up, and the dispatch messages of the setup delivered: nothing is due yet.
		deadline := time.Now().Add(2 * time.Minute)
		for up := 0; up < len(servers) || count("SELECT COUNT(*) FROM webhook_outbox WHERE sent_at IS NULL") > 0; {
			alive()
			if time.Now().After(deadline) {
				t.Fatalf("servers not up after 2 minutes\n%s", logs())
			}
			time.Sleep(20 * time.Millisecond)
			up = 0
			for _, srv := range servers {
				if res, err := http.Get("http://" + srv.addr + "/api/v1/public/grids/none"); err == nil {
					res.Body.Close()
					up++
				}
			}
		}
		if n := count("SELECT COUNT(*) FROM case_deadlines WHERE reminded_at IS NOT NULL OR fired_at IS NOT NULL"); n != 0 {
			t.Fatalf("%d deadlines fired before their time\n%s", n, logs())
		}
		// Sixty days on, for both servers at once: every deadline has passed, on any calendar.
		// The cases whose lead's handling is overdue then climb the ladder (the default: the
		// grid at once, three working days at the community, five at the street), the clock
		// moving on thirty days each time they have all landed on a rung.
		wait := func(level int) {
			t.Helper()
			for {
				fired := count("SELECT COUNT(*) FROM case_deadlines WHERE stage <> 'ladder' AND done_at IS NULL AND reminded_at IS NOT NULL AND fired_at IS NOT NULL")
				unsent := count("SELECT COUNT(*) FROM webhook_outbox WHERE sent_at IS NULL")
				landed := count(fmt.Sprintf("SELECT COUNT(*) FROM cases WHERE level = %d", level))
				if fired == open && unsent == 0 && landed == leadHandle {
					return
				}
				alive()
				if time.Now().After(deadline) {
					t.Fatalf("after 2 minutes %d of %d deadlines fired, %d messages unsent, %d of %d cases at level %d\n%s", fired, open, unsent, landed, leadHandle, level, logs())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		for level, days := range []int{60, 90, 120} {
			setClock(now.AddDate(0, 0, days))
			wait(level + 1)
		}
		// Stop both, so that nothing is in flight while the effects are counted.
		for _, srv := range servers {
			srv.cmd.Process.Kill()
			<-srv.exited
		}
		checks := []struct {
			what string
			q    string
			want int
		}{
			{"reminders marked", "SELECT COUNT(*) FROM case_deadlines WHERE stage <> 'ladder' AND reminded_at IS NOT NULL", open},
			{"deadlines marked overdue", "SELECT COUNT(*) FROM case_deadlines WHERE stage <> 'ladder' AND fired_at IS NOT NULL", open},
			// Each of those cases climbed three rungs: at once from the grid, then when the
			// community's and the street's clocks ran out, each clock once.
			{"ladder clocks run out", "SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND fired_at IS NOT NULL", 2 * leadHandle},
			{"ladder clocks left running", "SELECT COUNT(*) FROM case_deadlines WHERE stage = 'ladder' AND done_at IS NULL AND fired_at IS NULL", 0},
			{"reminder notifications", "SELECT COUNT(*) FROM notifications WHERE kind = 'remind'", open},
			{"overdue notifications", "SELECT COUNT(*) FROM notifications WHERE kind = 'overdue'", open},
			{"overdue events", "SELECT COUNT(*) FROM case_events WHERE action = 'overdue'", open},
			{"overdue audit lines", "SELECT COUNT(*) FROM audit_log WHERE action = 'case.overdue'", open},
			{"cases flagged overdue", "SELECT COUNT(*) FROM cases WHERE overdue", len(cases)},
			{"escalation events", "SELECT COUNT(*) FROM case_events WHERE action = 'escalate'", 3 * leadHandle},
			{"escalation audit lines", "SELECT COUNT(*) FROM audit_log WHERE action = 'case.escalate'", 3 * leadHandle},
			{"escalation notifications", "SELECT COUNT(*) FROM notifications WHERE kind = 'escalate'", 3 * leadHandle},
			{"agenda items (community level)", "SELECT COUNT(*) FROM agenda_items WHERE level = 1", leadHandle},
			{"agenda items (street level)", "SELECT COUNT(*) FROM agenda_items WHERE level = 2", leadHandle},
			{"agenda items (city level)", "SELECT COUNT(*) FROM agenda_items WHERE level = 3", leadHandle},
			{"cases at the city level", "SELECT COUNT(*) FROM cases WHERE level = 3", leadHandle},
			{"webhook messages queued", "SELECT COUNT(*) FROM webhook_outbox", queued + 2*open + 3*leadHandle},
			{"webhook deliveries", "SELECT COUNT(*) FROM webhook_deliveries WHERE sent_at IS NOT NULL", 2 * (queued + 2*open + 3*leadHandle)},
		}
		for _, c := range checks {
			if got := count(c.q); got != c.want {
				t.Errorf("%s: %d, want %d", c.what, got, c.want)
			}
		}
		counts, err := s.CaseCounts(ctx, tr.District.ID, "2030-01-01", "2030-12-31")
		if err != nil || counts["overdue"] != int64(len(cases)) {
			t.Errorf("district figures: overdue %d, want %d (%v)", counts["overdue"], len(cases), err)
		}
		// What each server says it did adds up to each deadline once.
		re := regexp.MustCompile(`msg="deadline jobs" reminded=(\d+) overdue=(\d+) escalated=(\d+)`)
		var reminded, overdue, climbed []int
		for _, srv := range servers {
			r, o, e := 0, 0, 0
			for _, m := range re.FindAllStringSubmatch(srv.stderr.String(), -1) {
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				c, _ := strconv.Atoi(m[3])
				r, o, e = r+a, o+b, e+c
			}
			reminded, overdue, climbed = append(reminded, r), append(overdue, o), append(climbed, e)
		}
		if reminded[0]+reminded[1] != open || overdue[0]+overdue[1] != open || climbed[0]+climbed[1] != 2*leadHandle {
			t.Errorf("the servers logged %v reminders, %v overdue deadlines and %v climbs when a rung's time ran out, want %d, %d and %d in all\n%s",
				reminded, overdue, climbed, open, open, 2*leadHandle, logs())
		}
		t.Logf("reminders by server %v, overdue deadlines by server %v, climbs by server %v", reminded, overdue, climbed)
		// Each robot took each message once: as many as queued, each text as often as queued.
		rows, err := s.DB().Query("SELECT title, text FROM webhook_outbox")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		for rows.Next() {
			var title, text string
			rows.Scan(&title, &text)
			want[title+"\n"+text]++
		}
		rows.Close()
		for _, r := range []*robot{wecom, ding} {
			got, bad, n := r.received()
			if len(bad) > 0 || n != queued+2*open+3*leadHandle || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s robot: %d requests, malformed %v; took %v\nwant %v", r.kind, n, bad, got, want)
			}
		}
	})
}
