package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
)

// sheetFacts is what one streaming pass over a worksheet's XML finds before the rows are read:
// the highest row number (a row at 1,048,576 is refused at once instead of being reached through
// a million empty rows), the cells that hold formulas, and the first merged range. It reads the
// part through the zip reader's own size checks and never builds the sheet in memory.
type sheetFacts struct {
	maxRow   int
	formulas map[string]bool // cell references, e.g. "D2"
	merged   string          // "A2:A4", or "" when none
}

// scanSheet finds the worksheet part of the sheet named name and scans it.
func scanSheet(zr *zip.Reader, name string) (sheetFacts, error) {
	part, err := sheetPart(zr, name)
	if err != nil {
		return sheetFacts{}, err
	}
	f, err := zr.Open(part)
	if err != nil {
		return sheetFacts{}, err
	}
	defer f.Close()
	facts := sheetFacts{formulas: map[string]bool{}}
	d := xml.NewDecoder(io.LimitReader(f, maxUnzipped))
	cell := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return facts, nil
		}
		if err != nil {
			return facts, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "row":
			if r, err := strconv.Atoi(attr(se, "r")); err == nil && r > facts.maxRow {
				facts.maxRow = r
			}
		case "c":
			cell = attr(se, "r")
		case "f":
			if cell != "" {
				facts.formulas[cell] = true
			}
		case "mergeCell":
			if facts.merged == "" {
				facts.merged = attr(se, "ref")
			}
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// sheetPart is the path in the archive of the worksheet named name (workbook.xml names it,
// its relationships say where it is).
func sheetPart(zr *zip.Reader, name string) (string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return "", err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", err
	}
	for _, s := range wb.Sheets {
		if s.Name != name {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == s.ID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/"), nil
				}
				return path.Join("xl", r.Target), nil
			}
		}
	}
	return "", errors.New("sheet part not found")
}

func decodePart(zr *zip.Reader, name string, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return xml.NewDecoder(io.LimitReader(f, 16<<20)).Decode(v)
}
