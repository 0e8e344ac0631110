package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/demo"
	"github.com/redgrid/redgrid/internal/redgridtest"
	"github.com/redgrid/redgrid/internal/sqlstore"
)

// TestMain lets the test binary run as a redgrid server in a child process (for the crash test).
func TestMain(m *testing.M) {
	if args := os.Getenv("REDGRID_TEST_CHILD_ARGS"); args != "" {
		if err := run(context.Background(), strings.Split(args, "\x1f"), os.Stdin, io.Discard, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestAcknowledgedCasesSurviveKill9: every case answered 201 is in the database after the server
// is killed with SIGKILL the moment the answers arrive, while other reports are still in flight;
// on SQLite (the group commit's own WAL flush) and on PostgreSQL (synchronous_commit).
func TestAcknowledgedCasesSurviveKill9(t *testing.T) {
	redgridtest.ForEach(t, testKill9)
}

func testKill9(t *testing.T, e redgridtest.Engine) {
	dir := t.TempDir()
	ctx := context.Background()
	dsn := e.DSN(t)
	s := redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
	if _, err := demo.Generate(ctx, s, 1, auth.TestParams); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
		t.Fatal(err)
	}
	places, err := s.BuildingPlaces(ctx, "/")
	if err != nil || len(places) == 0 {
		t.Fatalf("places: %v", err)
	}
	s.Close()
	redgridtest.WriteKeyFile(t, dir) // the server encrypts with the keys the demo cases were

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "REDGRID_TEST_CHILD_ARGS="+strings.Join([]string{"serve", "--addr", addr, "--data", dir, "--db", dsn, "--log-format", "text"}, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	var token string
	for i := 0; ; i++ {
		token, err = benchLogin(http.DefaultClient, base, "admin", demo.Password)
		if err == nil {
			break
		}
		if i > 200 {
			t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	const clients, acks = 16, 200
	var mu sync.Mutex
	var acked []int64
	done := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := places[(c*7919+i)%len(places)]
				body, _ := json.Marshal(map[string]any{"category": "0101", "lng": p.Lng, "lat": p.Lat, "description": "断电测试", "channel": "phone"})
				req, _ := http.NewRequest("POST", base+"/api/v1/cases", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the server is gone
				}
				var out struct{ ID int64 }
				json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if res.StatusCode != 201 {
					continue
				}
				mu.Lock()
				acked = append(acked, out.ID)
				if len(acked) >= acks {
					// Kill at once, with requests of the other clients in flight.
					once.Do(func() {
						cmd.Process.Signal(syscall.SIGKILL)
						close(done)
					})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < acks {
		t.Fatalf("only %d cases acknowledged before the server stopped\n%s", len(acked), stderr.String())
	}
	s = redgridtest.OpenDSN(t, dsn, sqlstore.Options{})
	for _, id := range acked {
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM cases c JOIN case_events e ON e.case_id = c.id JOIN case_deadlines d ON d.case_id = c.id WHERE c.id = " + strconv.FormatInt(id, 10)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("acknowledged case %d is not complete after kill -9 (%d rows, %v)", id, n, err)
		}
	}
	t.Logf("%d acknowledged cases all present after kill -9", len(acked))
}
