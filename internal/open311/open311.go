// Package open311 is the wire format of Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2)
// with the FixMyStreet extension servicerequestupdates: the documents redgrid answers with, in XML
// and JSON, the parsing of the form-encoded and multipart parameters clients send, dates in the
// W3C format, and the mapping of redgrid's case loop onto Open311's open/closed and FixMyStreet's
// extended statuses.
//
// It holds no HTTP handlers: the handlers need the API server's intake (validation, grid lookup,
// classification), photo store, authentication of API keys and audit of refusals, so they live
// with the other handlers in internal/api (open311.go), thin, and call this package for
// everything that is Open311 rather than redgrid.
package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Format is a response format, chosen by the extension of the path (.xml or .json).
type Format int

// The formats.
const (
	XML Format = iota
	JSON
)

// SplitExt splits "services.json" into "services" and JSON. ok is false without a known
// extension.
func SplitExt(name string) (base string, f Format, ok bool) {
	switch {
	case strings.HasSuffix(name, ".json"):
		return strings.TrimSuffix(name, ".json"), JSON, true
	case strings.HasSuffix(name, ".xml"):
		return strings.TrimSuffix(name, ".xml"), XML, true
	}
	return name, XML, false
}

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	if f == JSON {
		return "application/json; charset=utf-8"
	}
	return "text/xml; charset=utf-8"
}

// CST is the zone dates are written in (+08:00).
var CST = time.FixedZone("CST", 8*3600)

// FormatTime writes t in the W3C date-time format with its offset, in China Standard Time
// (2026-03-02T17:00:00+08:00).
func FormatTime(t time.Time) string { return t.In(CST).Format("2006-01-02T15:04:05-07:00") }

// ParseTime reads a W3C date-time (a profile of ISO 8601): a date (taken as midnight CST), or a
// date and time with seconds optional, fractions allowed and a zone designator (Z or ±hh:mm)
// required. A space in place of the + of the offset (2026-03-02T17:00:00 08:00) is read as +: it
// is what an unescaped + in a query string decodes to.
func ParseTime(s string) (time.Time, bool) {
	if len(s) > 40 {
		return time.Time{}, false
	}
	if n := len(s); n > 16 && s[n-6] == ' ' && s[n-3] == ':' && strings.Contains(s, "T") {
		s = s[:n-6] + "+" + s[n-5:]
	}
	if t, err := time.ParseInLocation("2006-01-02", s, CST); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Document is a response body: each has its XML form (a named root element) and its JSON form
// (an array or an object, as the specification shows).
type Document interface {
	xmlDoc() any
	jsonDoc() any
}

// ErrSent marks an error of Write after the status line was sent: the response is under way and
// no other document may be written (the caller logs it and stops).
var ErrSent = errors.New("open311: the response was sent in part")

// Write encodes doc in format f with the status. The document is encoded in full first, so an
// encoding error leaves the response untouched (the caller may still answer with an error
// document); an error while sending it wraps ErrSent.
func Write(w http.ResponseWriter, f Format, status int, doc Document) error {
	var buf bytes.Buffer
	if f == JSON {
		if err := json.NewEncoder(&buf).Encode(doc.jsonDoc()); err != nil {
			return err
		}
	} else {
		buf.WriteString(xml.Header)
		if err := xml.NewEncoder(&buf).Encode(doc.xmlDoc()); err != nil {
			return err
		}
		buf.WriteByte('\n')
	}
	w.Header().Set("Content-Type", f.ContentType())
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("%w: %w", ErrSent, err)
	}
	return nil
}

// Error is one error of an error response; Code is the HTTP status.
type Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// Errors is the error response: <errors><error>… and [{"code","description"}].
type Errors []Error

func (e Errors) xmlDoc() any  { return xmlList[Error]{"errors", "error", e} }
func (e Errors) jsonDoc() any { return nonNil(e) }

// xmlList writes <root><item>…</item>…</root>.
type xmlList[T any] struct {
	root, item string
	items      []T
}

// MarshalXML writes the list under its own root, whatever element the caller asked for.
func (l xmlList[T]) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: l.root}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, it := range l.items {
		if err := e.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: l.item}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Discovery describes the endpoint (discovery.xml / discovery.json).
type Discovery struct {
	Changeset  string     `json:"changeset" xml:"changeset"`
	Contact    string     `json:"contact" xml:"contact"`
	KeyService string     `json:"key_service" xml:"key_service"`
	Endpoints  []Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// Endpoint is one endpoint of a discovery document.
type Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

func (d Discovery) xmlDoc() any {
	return struct {
		XMLName xml.Name `xml:"discovery"`
		Discovery
	}{Discovery: d}
}
func (d Discovery) jsonDoc() any { return d }

// Service is a service a client may request: one of redgrid's minor case categories.
type Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	// Metadata says whether the service has attributes (a service definition worth fetching).
	Metadata bool   `json:"metadata" xml:"metadata"`
	Type     string `json:"type" xml:"type"` // realtime: a request gets its id at once
	Keywords string `json:"keywords" xml:"keywords"`
	Group    string `json:"group" xml:"group"`
}

// Services is the service list: <services><service>… and [Service].
type Services []Service

func (s Services) xmlDoc() any  { return xmlList[Service]{"services", "service", s} }
func (s Services) jsonDoc() any { return nonNil(s) }

// Attribute is an attribute of a service definition.
type Attribute struct {
	Variable            bool             `json:"variable" xml:"variable"`
	Code                string           `json:"code" xml:"code"`
	Datatype            string           `json:"datatype" xml:"datatype"`
	Required            bool             `json:"required" xml:"required"`
	DatatypeDescription string           `json:"datatype_description" xml:"datatype_description"`
	Order               int              `json:"order" xml:"order"`
	Description         string           `json:"description" xml:"description"`
	Values              []AttributeValue `json:"values,omitempty" xml:"values>value,omitempty"`
}

// AttributeValue is one value of a list attribute.
type AttributeValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// ServiceDefinition is services/{code}: the attributes of a service (none in redgrid today).
type ServiceDefinition struct {
	ServiceCode string      `json:"service_code" xml:"service_code"`
	Attributes  []Attribute `json:"attributes" xml:"attributes>attribute"`
}

func (d ServiceDefinition) xmlDoc() any {
	return struct {
		XMLName xml.Name `xml:"service_definition"`
		ServiceDefinition
	}{ServiceDefinition: d}
}
func (d ServiceDefinition) jsonDoc() any {
	d.Attributes = nonNil(d.Attributes)
	return d
}

// Request is a service request as GET requests shows it: never a reporter's name, phone or
// email.
type Request struct {
	ServiceRequestID  string  `json:"service_request_id" xml:"service_request_id"`
	Status            string  `json:"status" xml:"status"` // open or closed
	StatusNotes       string  `json:"status_notes,omitempty" xml:"status_notes,omitempty"`
	ServiceName       string  `json:"service_name" xml:"service_name"`
	ServiceCode       string  `json:"service_code" xml:"service_code"`
	Description       string  `json:"description" xml:"description"`
	AgencyResponsible string  `json:"agency_responsible,omitempty" xml:"agency_responsible,omitempty"`
	ServiceNotice     string  `json:"service_notice,omitempty" xml:"service_notice,omitempty"`
	RequestedDatetime string  `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string  `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string  `json:"expected_datetime,omitempty" xml:"expected_datetime,omitempty"`
	Address           string  `json:"address,omitempty" xml:"address,omitempty"`
	Lat               float64 `json:"lat" xml:"lat"`
	Long              float64 `json:"long" xml:"long"`
	// MediaURL is the photo the client linked to (its media_url) when no photo is stored with
	// the request.
	MediaURL string `json:"media_url,omitempty" xml:"media_url,omitempty"`
}

// Requests is a list of requests: <service_requests><request>… and [Request].
type Requests []Request

func (rs Requests) xmlDoc() any  { return xmlList[Request]{"service_requests", "request", rs} }
func (rs Requests) jsonDoc() any { return nonNil(rs) }

// Created answers POST requests (and tokens/{token}): the id of the new request, at once.
type Created struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token,omitempty" xml:"token,omitempty"`
	ServiceNotice    string `json:"service_notice,omitempty" xml:"service_notice,omitempty"`
	AccountID        string `json:"account_id,omitempty" xml:"account_id,omitempty"`
}

// CreatedList is <service_requests><request>… and [Created].
type CreatedList []Created

func (c CreatedList) xmlDoc() any  { return xmlList[Created]{"service_requests", "request", c} }
func (c CreatedList) jsonDoc() any { return nonNil(c) }

// Update is a FixMyStreet request update: a step of a case, with its extended status.
type Update struct {
	UpdateID         string `json:"update_id" xml:"update_id"`
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Status           string `json:"status" xml:"status"`
	UpdatedDatetime  string `json:"updated_datetime" xml:"updated_datetime"`
	Description      string `json:"description" xml:"description"`
	MediaURL         string `json:"media_url" xml:"media_url"`
	// ExternalStatusCode is redgrid's own action (register, dispatch …), for clients that
	// keep finer states than the extended statuses.
	ExternalStatusCode string `json:"external_status_code,omitempty" xml:"external_status_code,omitempty"`
}

// Updates is <service_request_updates><request_update>… and [Update].
type Updates []Update

func (u Updates) xmlDoc() any  { return xmlList[Update]{"service_request_updates", "request_update", u} }
func (u Updates) jsonDoc() any { return nonNil(u) }

// UpdateCreated answers POST servicerequestupdates.
type UpdateCreated struct {
	UpdateID string `json:"update_id" xml:"update_id"`
}

// UpdateCreatedList is <service_request_updates><request_update><update_id>… and [{"update_id"}].
type UpdateCreatedList []UpdateCreated

func (u UpdateCreatedList) xmlDoc() any {
	return xmlList[UpdateCreated]{"service_request_updates", "request_update", u}
}
func (u UpdateCreatedList) jsonDoc() any { return nonNil(u) }
