package geoio

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/redgrid/redgrid/geo"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits on what ReadShapefileZip decompresses. Sizes declared in the archive are not trusted:
// reads stop one byte past the limit.
const (
	MaxZipUncompressed = 256 << 20 // all entries read from one archive together
	maxSidecarSize     = 1 << 20   // a .prj or .cpg
)

// zipTotalLimit is MaxZipUncompressed; tests lower it.
var zipTotalLimit int64 = MaxZipUncompressed

// ReadShapefileZip reads grid boundaries from a zip archive holding one ESRI Shapefile: exactly
// one .shp, with the .dbf and .prj of the same name beside it (in any folder, names compared
// case-insensitively) and optionally a .cpg. Other entries (.shx, .sbn, .xml, __MACOSX) are not
// read. See the package comment for the shape types, attributes, encodings and coordinate
// systems accepted. On any problem the result is (nil, *Errors).
func ReadShapefileZip(data []byte, o Options) ([]Feature, error) {
	var c collector
	feats := readShapefileZip(data, o, &c)
	if err := c.result(); err != nil {
		return nil, err
	}
	return feats, nil
}

type zipEntry struct {
	f         *zip.File
	dir, stem string // lower case, '/'-separated
	ext       string // lower case, with the dot
}

// displayName shows an entry name for messages, decoding GBK names written by Chinese Windows
// tools without the UTF-8 flag.
func displayName(name string) string {
	if !utf8.ValidString(name) {
		if out, err := simplifiedchinese.GB18030.NewDecoder().String(name); err == nil {
			name = out
		}
	}
	return displayText(name)
}

// asciiLower lower-cases ASCII letters only: entry names written by Chinese Windows tools are
// often GBK, which strings.ToLower would turn into U+FFFD and make different names equal.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func readShapefileZip(data []byte, o Options, c *collector) []Feature {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are only compared, never used as paths
		c.file("", RuleZip, fmt.Errorf("not a readable zip archive: %v", err))
		return nil
	}
	var entries []zipEntry
	var shps []zipEntry
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if strings.HasSuffix(name, "/") || strings.HasPrefix(name, "__MACOSX/") || strings.Contains(name, "/__MACOSX/") {
			continue
		}
		dir, base := path.Split(name)
		if strings.HasPrefix(base, "._") {
			continue // macOS resource forks
		}
		ext := path.Ext(base)
		e := zipEntry{f: f, dir: asciiLower(dir), stem: asciiLower(strings.TrimSuffix(base, ext)), ext: asciiLower(ext)}
		entries = append(entries, e)
		if e.ext == ".shp" {
			shps = append(shps, e)
		}
	}
	switch len(shps) {
	case 0:
		c.file("", RuleFiles, errors.New("the archive holds no .shp file: zip the .shp, .shx, .dbf, .prj and .cpg of one layer"))
		return nil
	case 1:
	default:
		names := make([]string, 0, len(shps))
		for _, s := range shps {
			names = append(names, displayName(s.f.Name))
		}
		sort.Strings(names)
		if len(names) > 5 {
			names = append(names[:5], "…")
		}
		c.file("", RuleFiles, fmt.Errorf("the archive holds %d .shp files (%s); upload one layer per archive", len(shps), strings.Join(names, ", ")))
		return nil
	}
	shpEntry := shps[0]
	sidecar := func(ext string) (*zip.File, *FeatureError) {
		var found *zip.File
		for _, e := range entries {
			if e.ext == ext && e.dir == shpEntry.dir && e.stem == shpEntry.stem {
				if found != nil {
					return nil, fileErr(ext, RuleFiles, "the archive holds two %s files for %s", ext, displayName(shpEntry.f.Name))
				}
				found = e.f
			}
		}
		return found, nil
	}
	dbfFile, fe := sidecar(".dbf")
	if fe == nil && dbfFile == nil {
		fe = fileErr(".dbf", RuleFiles, "%s has no .dbf of the same name beside it: the attributes (name, code) are needed", displayName(shpEntry.f.Name))
	}
	if fe != nil {
		c.errs.File = fe
		return nil
	}
	prjFile, fe := sidecar(".prj")
	if fe == nil && prjFile == nil {
		fe = fileErr(".prj", RulePrj, "%s has no .prj beside it, so its coordinate system is unknown: export it with the coordinate system set to geographic CGCS2000 (EPSG:4490) or WGS 84 (EPSG:4326)", displayName(shpEntry.f.Name))
	}
	if fe != nil {
		c.errs.File = fe
		return nil
	}
	cpgFile, fe := sidecar(".cpg")
	if fe != nil {
		c.errs.File = fe
		return nil
	}

	budget := zipTotalLimit
	read := func(f *zip.File, limit int64, field string) ([]byte, bool) {
		b, fe := readZipEntry(f, limit, &budget, field)
		if fe != nil {
			c.errs.File = fe
			return nil, false
		}
		return b, true
	}
	prj, ok := read(prjFile, maxSidecarSize, ".prj")
	if !ok {
		return nil
	}
	crs, err := o.crs()
	if err != nil {
		c.file("crs", RuleCRS, err)
		return nil
	}
	if err := checkPrj(string(prj)); err != nil {
		c.file(".prj", RuleCRS, err)
		return nil
	}
	var cpg []byte
	if cpgFile != nil {
		if cpg, ok = read(cpgFile, maxSidecarSize, ".cpg"); !ok {
			return nil
		}
	}
	shpData, ok := read(shpEntry.f, zipTotalLimit, ".shp")
	if !ok {
		return nil
	}
	dbfData, ok := read(dbfFile, zipTotalLimit, ".dbf")
	if !ok {
		return nil
	}
	maxF := o.maxFeatures()
	shp, fe := parseSHP(shpData, maxF)
	if fe != nil {
		c.errs.File = fe
		return nil
	}
	tbl, fe := parseDBF(dbfData, maxF)
	if fe != nil {
		c.errs.File = fe
		return nil
	}
	if len(shp.records) != tbl.nrec {
		c.file("", RuleCount, fmt.Errorf("the .shp holds %d records but the .dbf %d: the files do not belong together or one is damaged", len(shp.records), tbl.nrec))
		return nil
	}
	dec, fe := chooseDecoder(cpg, cpgFile != nil, tbl)
	if fe != nil {
		c.errs.File = fe
		return nil
	}
	return buildShapefileFeatures(shp, tbl, dec, crs, o.maxVertices(), c)
}

// readZipEntry decompresses one entry, stopping past limit or past what is left of the budget.
func readZipEntry(f *zip.File, limit int64, budget *int64, field string) ([]byte, *FeatureError) {
	lim := min(limit, *budget)
	tooLarge := func() *FeatureError {
		return fileErr(field, RuleTooLarge, "%s decompresses to more than %d bytes", displayName(f.Name), lim)
	}
	if f.UncompressedSize64 > uint64(lim) {
		return nil, tooLarge()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fileErr(field, RuleZip, "cannot open %s in the archive: %v", displayName(f.Name), err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.Grow(int(min(f.UncompressedSize64, uint64(lim), 16<<20))) // a hint only: the data decide
	n, err := io.Copy(&buf, io.LimitReader(rc, lim+1))
	if n > lim {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, fileErr(field, RuleZip, "cannot decompress %s: %v", displayName(f.Name), err)
	}
	*budget -= n
	return buf.Bytes(), nil
}

func buildShapefileFeatures(shp *shpFile, tbl *dbfTable, dec textDecoder, crs geo.CRS, maxV int, c *collector) []Feature {
	for k := range tbl.fields {
		tbl.fields[k].name = dec.decode(tbl.fields[k].rawName)
	}
	var out []Feature
	for i := 0; i < tbl.nrec; i++ {
		if tbl.deleted(i) {
			continue // and its shape with it
		}
		feat := Feature{Index: i, Props: make(map[string]string, len(tbl.fields))}
		var errs []*FeatureError
		add := func(fe *FeatureError) { errs = append(errs, fe) }
		var attrs attrSet
		for k := range tbl.fields {
			f := &tbl.fields[k]
			v, ok := tbl.text(i, f, dec)
			if !ok {
				continue
			}
			key := dbfFieldName(f)
			a, rank := classifyKey(f.name)
			if a == attrNone {
				if _, dup := feat.Props[key]; !dup {
					feat.Props[key] = v
				}
				continue
			}
			cand := attrCandidate{key: key, rank: rank, text: v, numeric: f.typ == 'N' || f.typ == 'F'}
			if f.typ == 'C' && strings.ContainsRune(v, '\uFFFD') {
				cand.bad = &FeatureError{Rule: RuleEncoding, Err: fmt.Errorf("the text is not valid %s, the encoding the file declares or appears to use", dec.name)}
			}
			attrs.offer(a, cand)
		}
		attrs.resolve(&feat, feat.Props, add)
		if shape, fe := shapefileShape(shp, i, crs, maxV); fe != nil {
			add(fe)
		} else {
			feat.Shape = shape
		}
		for _, fe := range errs {
			fe.Index, fe.Name, fe.Code = i, feat.Name, feat.Code
			c.add(fe)
		}
		if len(errs) == 0 && !c.failed() {
			out = append(out, feat)
		}
	}
	return out
}

// shapefileShape decodes, converts, assembles and validates the geometry of record i.
func shapefileShape(shp *shpFile, i int, crs geo.CRS, maxV int) (geo.MultiPolygon, *FeatureError) {
	s, fe := shp.shape(i, maxV)
	if fe != nil {
		return nil, fe
	}
	if s.null {
		return nil, &FeatureError{Field: "geometry", Rule: RuleEmpty, Err: errors.New("empty geometry (a Null shape)")}
	}
	for k := range s.parts {
		r := s.part(k)
		if len(r) > 0 && r[0] != r[len(r)-1] {
			return nil, &FeatureError{Field: indexPath("geometry.parts", k), Rule: RuleClosed,
				Err: fmt.Errorf("part %d is not closed: it starts at (%v, %v) and ends at (%v, %v)", k, r[0].Lng, r[0].Lat, r[len(r)-1].Lng, r[len(r)-1].Lat)}
		}
		if j, err := convertPoints(r, crs); err != nil {
			return nil, &FeatureError{Field: indexPath("geometry.parts", k, j), Rule: RuleRange, Err: err}
		}
	}
	shape, partsOf, fe := assemble(&s)
	if fe != nil {
		return nil, fe
	}
	loc := func(poly, ring, vertex int) string {
		part := partsOf[poly][ring]
		if vertex < 0 {
			return indexPath("geometry.parts", part)
		}
		return indexPath("geometry.parts", part, vertex)
	}
	if err := shape.ValidateWith(geo.ValidateOptions{MaxVertices: maxV}); err != nil {
		return nil, validationFeatureError(i, err, loc)
	}
	return shape, nil
}
