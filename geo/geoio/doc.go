// Package geoio reads grid boundaries from the files district GIS departments deliver — GeoJSON
// and zipped ESRI Shapefiles — and writes GeoJSON.
//
// # What is read
//
// GeoJSON (RFC 7946): a FeatureCollection, or a single Feature, whose geometries are Polygons or
// MultiPolygons. Positions have 2 or 3 numbers (an altitude is ignored). Members RFC 7946 does
// not define are ignored; the structure it does define is checked strictly, and a member given
// twice is an error.
//
// Shapefile (ESRI Shapefile Technical Description, 1998), zipped: one .shp of shape type Polygon,
// PolygonZ or PolygonM (Z and M values are ignored), its .dbf (dBASE III; fields of type C, N, F,
// D and L are read as trimmed text, others are left out; records marked deleted are skipped with
// their shapes), its .prj (required) and optionally its .cpg. The .shx is not read: the records
// are found by walking the .shp. Rings are closed; clockwise rings are outer rings and
// counter-clockwise rings are holes, each belonging to the smallest outer ring that contains it.
//
// Attributes become Feature.Name, Code and ParentCode; their names are matched ignoring ASCII
// case, in this order of preference:
//
//	Name:       name, 网格名称, 名称, MC
//	Code:       code, 网格编码, 编码, BM
//	ParentCode: parent_code, PARENT_COD (DBF names have at most 10 characters), 上级编码, 社区编码, PCODE, PARENT
//
// None of the three is required here: which a feature needs depends on what it matches in the
// store, so the importer decides. When present, none may hold control characters or U+FFFD. A
// code given as a number (a JSON number, a DBF numeric field) must be a whole number not above
// 2^53 and becomes its digits. All other attributes are kept in Feature.Props as text.
//
// DBF text is decoded with the encoding the .cpg names (UTF-8; or GBK, GB2312, GB18030, 936 read
// as GB18030), else the one the DBF language driver byte names (0x4D and 0x7A: code page 936),
// else UTF-8 if all the text is valid UTF-8, else GB18030. GeoJSON must be UTF-8 (a byte order
// mark is allowed).
//
// # Coordinate systems
//
// Features come out in WGS-84 longitude/latitude, which redgrid treats as identical to CGCS2000
// (see package geo). A Shapefile's .prj must describe a geographic system on the WGS 84 or
// CGCS2000 datum (GEOGCS with DATUM D_WGS_1984 or D_China_2000 and the like). A projected system
// — a CGCS2000 or Xian 1980 Gauss-Kruger zone, Web Mercator — is rejected, because reprojecting
// is the GIS department's job and its parameters are theirs to get right; so are the Beijing 1954
// and Xian 1980 datums, which need a datum transformation. A GeoJSON file may name EPSG:4326,
// OGC CRS84 or EPSG:4490 in the legacy crs member and nothing else. Coordinates that the caller
// says (Options.CRS) are GCJ-02 (Amap, Tencent) or BD-09 (Baidu) are converted to WGS-84 with
// geo.ToWGS84, whatever the file's label says: no file format can name those offsets, and tools
// label such data WGS 84. Each feature is then validated with geo.MultiPolygon.ValidateWith.
//
// # Errors
//
// The readers return (nil, *Errors): the file-level problem, if any (Index -1: not JSON, not a
// FeatureCollection, no .prj, a projected coordinate system, too many features, …), and every
// problem with single features up to MaxErrors, each naming the feature by index, name and code,
// the field ("geometry.coordinates[0][3]", "properties.code") and a machine-readable Rule, so
// that a user sees all that is wrong with an upload at once. Malformed JSON is reported with its
// line and byte offset. Nothing in this package panics on any input (the fuzz tests check it).
//
// # Bounds
//
// Options.MaxFeatures and Options.MaxVertices bound the features and their points. GeoJSON is read
// as a stream: memory grows with the features kept, and a feature's coordinates are no longer
// stored once it exceeds MaxVertices, so an oversized polygon costs no more memory than an allowed
// one. A Shapefile archive is decompressed into memory only for the entries needed, at most
// MaxZipUncompressed bytes together, counting the bytes actually produced rather than the sizes
// the archive declares.
//
// # Why the parsers are written here
//
// The JSON is read with a small streaming scanner rather than encoding/json, which can stream
// tokens but not report line numbers, silently replaces invalid UTF-8, and would box every
// coordinate in an interface value. The .shp, .dbf and .prj parsers are written here too: the
// formats are small and public, and the Go package for them, github.com/jonas-p/go-shp, sizes
// slices with counts read from the file without checking them (a negative count panics, a huge
// one exhausts memory) and ignores read errors. These parsers check every length against the
// bytes present before using it, and are fuzzed.
package geoio
