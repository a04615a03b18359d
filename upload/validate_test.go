package upload_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/upload"
)

// TestValidatorOfficialExample validates the TransformationEvent example
// that GS1 publishes with the schema, so a failure of the station's own
// documents cannot come from the validator setup.
func TestValidatorOfficialExample(t *testing.T) {
	v := mustValidator(t)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(schemaFile), "Example_9.6.4-TransformationEvent.jsonld"))
	if err != nil {
		t.Skipf("the GS1 example is not next to the schema: %v", err)
	}
	// The example names its document "_:document1", a JSON-LD blank
	// node. That is no RFC 3986 URI, because a scheme starts with a
	// letter, so the schema's format "uri" rejects it. The test drops
	// the id and validates the rest.
	var example map[string]any
	if err := json.Unmarshal(data, &example); err != nil {
		t.Fatal(err)
	}
	if example["id"] != "_:document1" {
		t.Fatalf("example id = %v, want the blank node _:document1", example["id"])
	}
	delete(example, "id")
	if data, err = json.Marshal(example); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(data); err != nil {
		t.Errorf("the GS1 example does not validate: %v", err)
	}
}

func TestValidatorRejects(t *testing.T) {
	v := mustValidator(t)
	doc := mustBuild(t)
	tests := []struct {
		name   string
		tamper func(e *upload.EPCISDocument)
		where  string // JSON pointer of a violation
	}{
		{"ErrNoAction", func(e *upload.EPCISDocument) { e.Body.EventList[0].Action = "" }, "/epcisBody/eventList/0"},
		{"ErrBizStepInCBVNamespace", func(e *upload.EPCISDocument) {
			// CBV's own namespace names only its own steps, so a custom
			// step there is invalid. The schema rejects it with a
			// negative lookahead.
			e.Body.EventList[2].BizStep = "urn:epcglobal:cbv:bizstep:slaughtering"
		}, "/epcisBody/eventList/2/bizStep"},
		{"ErrUnknownDisposition", func(e *upload.EPCISDocument) { e.Body.EventList[0].Disposition = "received" },
			"/epcisBody/eventList/0/disposition"},
		{"ErrLowercaseUnit", func(e *upload.EPCISDocument) {
			for i := range e.Body.EventList {
				if q := e.Body.EventList[i].OutputQuantityList; len(q) > 0 {
					q[0].UOM = "kg"
					return
				}
			}
		}, "/uom"},
		{"ErrRelativeEPC", func(e *upload.EPCISDocument) { e.Body.EventList[0].EPCList[0] = "315250200357041" },
			"/epcisBody/eventList/0/epcList/0"},
		{"ErrZoneOffset", func(e *upload.EPCISDocument) { e.Body.EventList[0].EventTimeZoneOffset = "+0800" },
			"/epcisBody/eventList/0/eventTimeZoneOffset"},
		{"ErrNoInputOrID", func(e *upload.EPCISDocument) {
			for i := range e.Body.EventList {
				if ev := &e.Body.EventList[i]; ev.Type == upload.TransformationEvent {
					ev.InputEPCList = nil
					return
				}
			}
		}, "/epcisBody/eventList/4: missing property 'transformationID'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Ensure the schema rejects the event and points at it.
			d := clone(t, doc)
			tt.tamper(&d.EPCIS)
			err := v.ValidateDocument(d)
			var se *upload.SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("ValidateDocument = %v, want a *SchemaError", err)
			}
			violations := se.Violations()
			found := false
			for _, msg := range violations {
				found = found || strings.Contains(msg, tt.where)
			}
			if !found {
				t.Errorf("violations %q name no value at %s", violations, tt.where)
			}
		})
	}
}

func TestValidateEPCIS(t *testing.T) {
	mustValidator(t)
	data, err := json.Marshal(mustBuild(t).EPCIS)
	if err != nil {
		t.Fatal(err)
	}
	if err := upload.ValidateEPCIS(data, schemaFile); err != nil {
		t.Errorf("ValidateEPCIS = %v", err)
	}
	if err := upload.ValidateEPCIS([]byte(`{"type": "EPCISDocument"}`), schemaFile); err == nil {
		t.Error("ValidateEPCIS accepted a document without a body")
	}
	if err := upload.ValidateEPCIS([]byte(`{"type": `), schemaFile); err == nil {
		t.Error("ValidateEPCIS accepted broken JSON")
	}
}

func TestLoadValidatorMissing(t *testing.T) {
	_, err := upload.LoadValidator(filepath.Join(t.TempDir(), "EPCIS-JSON-Schema.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadValidator of a missing file = %v, want os.ErrNotExist", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"type": "object", "pattern": "("}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := upload.LoadValidator(bad); err == nil {
		t.Error("LoadValidator accepted a schema with an invalid pattern")
	}
}
