// Command redgrid is the whole redgrid system in one binary: the JSON API, the embedded web UI and
// the operator's tools.
//
//	redgrid serve    [--addr 127.0.0.1:8080] [--data ./data] [--db DSN]
//	redgrid demo     [--addr …] [--data …] [--seed N]   fill an empty database with a synthetic district, then serve
//	redgrid migrate  [--data …] [--db DSN]
//	redgrid district add --code 420302 --name 茅箭区 [--data …] [--db DSN]
//	redgrid user add --username NAME --role ROLE --node-code CODE | --org-id ID [--display-name …] (password on stdin)
//	redgrid import grids FILE.geojson|FILE.zip [--dry-run] [--crs gcj02] [--report report.json]
//	redgrid export grids FILE.geojson [--within CODE] [--kind grid]
//	redgrid bench locate [--polygons 100000] [--lookups 2000000] [--crs gcj02]
//	redgrid apikey add NAME [--user USERNAME] | apikey list | apikey revoke NAME   Open311 client keys
//	redgrid keys status | add | rotate | reencrypt | remove ID   the keys of personal data
//
// Every flag has a REDGRID_* environment fallback (REDGRID_ADDR, REDGRID_DATA, REDGRID_DB …).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redgrid/redgrid"
	"github.com/redgrid/redgrid/internal/api"
	"github.com/redgrid/redgrid/internal/atlas"
	"github.com/redgrid/redgrid/internal/auth"
	"github.com/redgrid/redgrid/internal/demo"
	"github.com/redgrid/redgrid/internal/pii"
	"github.com/redgrid/redgrid/internal/sqlstore"
	"github.com/redgrid/redgrid/internal/web"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "redgrid:", err)
		os.Exit(1)
	}
}

const usage = `redgrid — 红色网格 grid governance

usage:
  redgrid serve    [--addr 127.0.0.1:8080] [--data ./data] [--db DSN]
  redgrid demo     [--addr 127.0.0.1:8080] [--data ./data] [--seed 1]
  redgrid migrate  [--data ./data] [--db DSN]
  redgrid district add --code 420302 --name 茅箭区
  redgrid user add --username NAME --role ROLE (--node-code CODE | --org-id ID) [--display-name NAME]
                   (reads the password from standard input)
  redgrid import grids FILE.geojson|FILE.zip [--dry-run] [--crs wgs84|gcj02|bd09] [--report FILE.json]
                   (GeoJSON, or a zipped Shapefile with .shp/.dbf/.prj; all or nothing)
  redgrid export grids FILE.geojson [--within CODE] [--kind grid|community|street|district]
  redgrid import REGISTER FILE.xlsx [--within CODE] [--good-rows-only] [--dry-run]
  redgrid export REGISTER FILE.xlsx [--within CODE] [--by NAME]
                   (REGISTER: buildings, households, residents, members, volunteers, units,
                   grid-staff, posts, baobao;
                   exports mask phones and ID numbers and never show volunteers' ID numbers)
  redgrid bench locate [--polygons 100000] [--lookups 2000000] [--crs gcj02]
  redgrid bench intake [--db DSN] [--cases 50000] [--concurrency 64] [--rate 1000]
  redgrid apikey add NAME [--user USERNAME]   an Open311 client's API key, printed once
  redgrid apikey list | apikey revoke NAME
  redgrid keys status | add | rotate [--batch 500] | reencrypt [--batch 500] | remove ID
  redgrid keys add-index | rotate-index [--batch 500] | rehash [--batch 500] | remove-index ID
                   the keys personal data is encrypted and indexed with (--keys FILE, default
                   DATA/pii.keys; docs/PII.md)
  redgrid pii purge [--dry-run]   erase the personal data of people who left past the retention
                   (--pii-retention-days, default 365) and the unmasking log past its own (1095)
  redgrid export residents FILE.xlsx --unmasked --reason TEXT   full ID numbers and phones, logged

--db takes postgres://… for PostgreSQL; without it the SQLite file DATA/redgrid.db is used.
`

// config is every setting, from flags with REDGRID_* environment fallbacks.
type config struct {
	addr       string
	data       string
	db         string
	keys       string // the key file of personal data ("": DATA/pii.keys)
	logFormat  string
	bodyLimit  int64
	gridDigits int
	seed       uint64
	secure     bool
	// the grid map
	tolerance   float64
	nearestM    float64
	walkM       float64
	households  string
	publicURL   string
	importLimit int64
	loginPerMin int
	tileURL     string
	tileAttr    string
	geoRefresh  time.Duration
	// Open311
	jurisdiction string
	contact      string
	// the case loop
	workHours string
	holidays  string
	remindAt  float64
	hooks     hookList
	jobsEvery time.Duration
	// photoRetention: how long a photo may wait to be put on a case.
	photoRetention time.Duration
	// reregisterMonths: how often a dual registration falls due again.
	reregisterMonths int
	noEscalate       bool
	escalateAfter    string
	// the weights of 满意率 and the duplicate search, checked by caseSettings
	satisfiedWeight, basicWeight string
	duplicateM, duplicateDays    string
	// retention: how long personal data of people who left and the unmasking log are kept.
	retention redgrid.Retention
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func flags(name string, stderr io.Writer) (*flag.FlagSet, *config) {
	c := &config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("REDGRID_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&c.data, "data", env("REDGRID_DATA", "./data"), "data directory (SQLite database, files)")
	fs.StringVar(&c.db, "db", env("REDGRID_DB", ""), "database DSN: postgres://… (default: SQLite in the data directory)")
	fs.StringVar(&c.keys, "keys", env("REDGRID_KEYS", ""), "key file of personal data, mode 0600 (default: DATA/pii.keys, created on first start)")
	fs.StringVar(&c.logFormat, "log-format", env("REDGRID_LOG_FORMAT", "json"), "log format: json or text")
	bl, _ := strconv.ParseInt(env("REDGRID_BODY_LIMIT", "1048576"), 10, 64)
	fs.Int64Var(&c.bodyLimit, "body-limit", bl, "largest accepted request body in bytes")
	gd, _ := strconv.Atoi(env("REDGRID_GRID_DIGITS", "2"))
	fs.IntVar(&c.gridDigits, "grid-digits", gd, "digits of the grid sequence: 2 (14-digit grid codes) or 3 (15-digit)")
	fs.BoolVar(&c.secure, "secure-cookies", env("REDGRID_SECURE_COOKIES", "") == "true", "mark cookies Secure (serve behind HTTPS)")
	tol, _ := strconv.ParseFloat(env("REDGRID_TOLERANCE_M2", "1"), 64)
	fs.Float64Var(&c.tolerance, "tolerance", tol, "grid overlaps and gaps up to this many m² are ignored")
	near, _ := strconv.ParseFloat(env("REDGRID_NEAREST_M", "500"), 64)
	fs.Float64Var(&c.nearestM, "nearest-m", near, "a point outside every grid is offered the nearest grid within this many metres")
	walk, _ := strconv.ParseFloat(env("REDGRID_WALK_M", "1000"), 64)
	fs.Float64Var(&c.walkM, "walk-m", walk, "walking distance of the service circle, metres")
	fs.StringVar(&c.households, "households", env("REDGRID_HOUSEHOLDS", "300-500"), "configured range of households per grid, MIN-MAX")
	fs.StringVar(&c.publicURL, "public-url", env("REDGRID_PUBLIC_URL", ""), "address residents reach the UI at, for grid QR codes (default: from the request)")
	il, _ := strconv.ParseInt(env("REDGRID_IMPORT_LIMIT", "67108864"), 10, 64)
	fs.Int64Var(&c.importLimit, "import-limit", il, "largest accepted boundary import in bytes")
	lpm, err := strconv.Atoi(env("REDGRID_LOGIN_PER_MINUTE", "20"))
	if err != nil {
		lpm = -1 // refused by serve, naming the flag
	}
	fs.IntVar(&c.loginPerMin, "login-per-minute", lpm, "login attempts one client address may make a minute (an office behind one NAT address needs more)")
	fs.StringVar(&c.tileURL, "tile-url", env("REDGRID_TILE_URL", ""), "map tile URL template for the UI, e.g. https://t0.tianditu.gov.cn/vec_w/wmts?…&tk=KEY (default: no tiles)")
	gr, _ := time.ParseDuration(env("REDGRID_GEO_REFRESH", "2s"))
	fs.DurationVar(&c.geoRefresh, "geo-refresh", gr, "how often a server looks for boundary changes made by other servers")
	fs.StringVar(&c.tileAttr, "tile-attribution", env("REDGRID_TILE_ATTRIBUTION", ""), "attribution text shown with the tiles")
	caseFlags(fs, c)
	retentionFlags(fs, c)
	fs.StringVar(&c.jurisdiction, "open311-jurisdiction", env("REDGRID_OPEN311_JURISDICTION", ""), "the jurisdiction_id Open311 clients send (default: the district's code)")
	fs.StringVar(&c.contact, "open311-contact", env("REDGRID_OPEN311_CONTACT", ""), "contact line of the Open311 discovery document")
	return fs, c
}

// atlasOptions reads the grid map settings.
func (c *config) atlasOptions() (atlas.Options, error) {
	o := atlas.Options{Tolerance: c.tolerance, NearestMetres: c.nearestM, WalkMetres: c.walkM, Refresh: c.geoRefresh}
	if c.geoRefresh < 0 {
		return o, errors.New("--geo-refresh must not be negative")
	}
	lo, hi, ok := strings.Cut(c.households, "-")
	min, err1 := strconv.Atoi(strings.TrimSpace(lo))
	max, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if !ok || err1 != nil || err2 != nil || min < 0 || max < min {
		return o, errors.New("--households must be MIN-MAX, e.g. 300-500")
	}
	o.HouseholdsMin, o.HouseholdsMax = min, max
	if !(c.tolerance >= 0) || !(c.nearestM >= 0) || !(c.walkM > 0) {
		return o, errors.New("--tolerance and --nearest-m must not be negative, --walk-m must be positive")
	}
	if c.tolerance == 0 {
		o.Tolerance = -1 // report every overlap and gap
	}
	if c.nearestM == 0 {
		o.NearestMetres = -1
	}
	return o, nil
}

func (c *config) dsn() string {
	if c.db != "" {
		return c.db
	}
	return filepath.Join(c.data, "redgrid.db")
}

func (c *config) logger(w io.Writer) *slog.Logger {
	if c.logFormat == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func (c *config) open(ctx context.Context, log *slog.Logger) (*sqlstore.Store, error) {
	scheme := redgrid.CodeScheme{GridDigits: c.gridDigits}
	if !scheme.Valid() {
		return nil, errors.New("--grid-digits must be 2 or 3")
	}
	cal, err := c.calendar()
	if err != nil {
		return nil, err
	}
	now, err := serverClock()
	if err != nil {
		return nil, err
	}
	ladder, _, _, _, err := c.caseSettings()
	if err != nil {
		return nil, err
	}
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{Logger: log, Scheme: scheme, Calendar: cal, Now: now,
		Cases: sqlstore.CaseOptions{RemindAt: c.remindAt, PublicURL: c.publicURL, Webhooks: len(c.hooks) > 0, NoEscalateOnOverdue: c.noEscalate,
			Ladder: ladder},
		ReregisterMonths: c.reregisterMonths})
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// keysPath is the key file of personal data.
func (c *config) keysPath() string {
	if c.keys != "" {
		return c.keys
	}
	return filepath.Join(c.data, "pii.keys")
}

// openWithKeys opens the store with the keys of personal data (what serves or migrates it: the
// rows of before migration 0010 are sealed then). The key file is read; when it does not exist
// and the database has sealed nothing yet, a new one is written (0600).
func (c *config) openWithKeys(ctx context.Context, log *slog.Logger) (*sqlstore.Store, *pii.Keys, error) {
	s, err := c.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	path := c.keysPath()
	k, err := pii.LoadFile(path)
	created := false
	if errors.Is(err, pii.ErrNoKeyFile) {
		var known int
		if known, err = s.KnownKeys(ctx); err == nil && known > 0 {
			err = fmt.Errorf("this database's personal data is encrypted with keys that are not here: put its key file at %s or name it with --keys", path)
		} else if err == nil {
			if k, err = pii.CreateFile(path); err == nil {
				created = true
			} else if errors.Is(err, fs.ErrExist) { // another process of this data directory made it a moment ago
				k, err = pii.LoadFile(path)
			}
		}
	}
	if err == nil {
		if err = s.UseKeys(ctx, k); err != nil && created {
			os.Remove(path) // another server made the first keys of this database at the same moment
		}
	}
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	if created {
		log.Warn("personal-data key file created: back it up apart from the database, and give every server that shares the database the same file", "path", path)
	}
	return s, k, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve", "demo":
		fs, c := flags(cmd, stderr)
		seed := fs.Uint64("seed", 1, "demo: seed of the synthetic district")
		if err := fs.Parse(args); err != nil {
			return err
		}
		c.seed = *seed
		return serve(ctx, c, cmd == "demo", stdout, stderr)
	case "migrate":
		fs, c := flags(cmd, stderr)
		if err := fs.Parse(args); err != nil {
			return err
		}
		s, _, err := c.openWithKeys(ctx, c.logger(stderr))
		if err != nil {
			return err
		}
		defer s.Close()
		fmt.Fprintf(stdout, "migrations current on %s\n", s.Engine())
		return nil
	case "district":
		return districtCmd(ctx, args, stdout, stderr)
	case "user":
		return userCmd(ctx, args, stdin, stdout, stderr)
	case "import":
		return importCmd(ctx, args, stdout, stderr)
	case "export":
		return exportCmd(ctx, args, stdout, stderr)
	case "bench":
		return benchCmd(args, stdout, stderr)
	case "apikey":
		return apikeyCmd(ctx, args, stdout, stderr)
	case "keys":
		return keysCmd(ctx, args, stdout, stderr)
	case "pii":
		return piiCmd(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func serve(ctx context.Context, c *config, fill bool, stdout, stderr io.Writer) error {
	log := c.logger(stderr)
	if err := c.retention.Validate(); err != nil {
		return err
	}
	_, weights, dupM, dupWindow, err := c.caseSettings()
	if err != nil {
		return err
	}
	if c.loginPerMin < 1 || c.loginPerMin > 100000 {
		return errors.New("--login-per-minute must be a whole number from 1 to 100000")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, _, err := c.openWithKeys(ctx, log)
	if err != nil {
		return err
	}
	defer s.Close()
	if fill {
		counts, err := s.NodeCount(ctx)
		if err != nil {
			return err
		}
		if len(counts) == 0 {
			start := time.Now()
			sum, err := demo.Generate(ctx, s, c.seed, auth.DefaultParams)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "demo district generated in %.1fs: %d streets, %d communities, %d grids, %d buildings, %d party organisations, %d organisations, %d cases\n",
				time.Since(start).Seconds(), sum.Nodes[redgrid.KindStreet], sum.Nodes[redgrid.KindCommunity], sum.Nodes[redgrid.KindGrid], sum.Nodes[redgrid.KindBuilding], sum.PartyOrgs, sum.Orgs, sum.Cases)
			fmt.Fprintf(stdout, "demo logins (password %s):\n", demo.Password)
			for _, l := range sum.Logins {
				fmt.Fprintf(stdout, "  %-12s %-17s %s\n", l.Username, l.Role, l.Where)
			}
		} else {
			fmt.Fprintf(stdout, "demo database already filled (%s); logins: admin, leader1, street1, community1, community2, grid1, gridleader1, dept1, resident1 … password %s\n", c.dsn(), demo.Password)
		}
	}
	if loaded, err := s.EnsureCategories(ctx, redgrid.DefaultCategories()); err != nil {
		return err
	} else if loaded {
		log.Info("default case categories loaded", "count", len(redgrid.DefaultCategories()))
	}
	for _, h := range c.hooks {
		if h.Scope == "" {
			continue
		}
		if _, err := s.NodeIDByCode(ctx, h.Scope); err != nil {
			return fmt.Errorf("--webhook: the %s: %w", h, err)
		}
	}
	go runJobs(ctx, s, c, log)
	ao, err := c.atlasOptions()
	if err != nil {
		return err
	}
	at := atlas.New(s, ao, log)
	if err := at.Refresh(ctx); err != nil {
		return err
	}
	go at.Run(ctx)
	srv := api.New(s, log, api.Config{BodyLimit: c.bodyLimit, LoginPerMinute: c.loginPerMin, SecureCookies: c.secure, ImportLimit: c.importLimit, PublicURL: c.publicURL, Atlas: at, TileURL: c.tileURL, TileAttribution: c.tileAttr,
		PhotoDir: c.photoDir(), Open311Jurisdiction: c.jurisdiction, Open311Contact: c.contact,
		Satisfaction: &weights, DuplicateMetres: dupM, DuplicateWindow: dupWindow}, s.Now, web.Handler(), nil)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Fprintf(stdout, "redgrid serving on http://%s (%s)\n", ln.Addr(), s.Engine())
	if !web.Built() {
		fmt.Fprintln(stdout, "note: the web UI is not built into this binary; run 'make ui' and rebuild")
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

func districtCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: redgrid district add --code 420302 --name 茅箭区")
	}
	fs, c := flags("district add", stderr)
	code := fs.String("code", "", "6-digit GB/T 2260 district code")
	name := fs.String("name", "", "district name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := c.open(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	n, _, err := s.CreateNode(ctx, redgrid.NewNode{Kind: redgrid.KindDistrict, Name: *name, Code: *code})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "district %s %s created (id %d)\n", n.Code, n.Name, n.ID)
	return nil
}

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: redgrid user add --username NAME --role ROLE (--node-code CODE | --org-id ID)")
	}
	fs, c := flags("user add", stderr)
	username := fs.String("username", "", "login name")
	display := fs.String("display-name", "", "name shown in the UI (default: the username)")
	role := fs.String("role", string(redgrid.RoleDistrictAdmin), "role")
	nodeCode := fs.String("node-code", "", "code of the node the role is held at")
	orgID := fs.Int64("org-id", 0, "department id (for department_staff)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := c.open(ctx, c.logger(stderr))
	if err != nil {
		return err
	}
	defer s.Close()
	pw, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw = strings.TrimRight(pw, "\r\n")
	g := redgrid.NewGrant{Role: redgrid.Role(*role)}
	if *orgID > 0 {
		g.OrgID = orgID
	} else {
		id, err := s.NodeIDByCode(ctx, *nodeCode)
		if err != nil {
			return fmt.Errorf("--node-code: %w", err)
		}
		g.NodeID = &id
	}
	if *display == "" {
		*display = *username
	}
	in := redgrid.NewUser{Username: *username, DisplayName: *display, Password: pw, Roles: []redgrid.NewGrant{g}}
	if err := in.Validate(); err != nil {
		return err
	}
	hash, err := auth.Hash(pw, auth.DefaultParams)
	if err != nil {
		return err
	}
	ctx = redgrid.WithActor(ctx, redgrid.Actor{Username: "cli"})
	u, _, err := s.CreateUser(ctx, in, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s created (id %d, %s)\n", u.Username, u.ID, *role)
	return nil
}
