package upload

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// regexpTimeout bounds one pattern match, so that a string crafted to
// make a pattern backtrack cannot stall a receiver.
const regexpTimeout = time.Second

// Validator checks EPCIS documents against a JSON Schema, normally the
// official EPCIS 2.0 schema EPCIS-JSON-Schema.json that GS1 publishes. It
// is safe for concurrent use.
type Validator struct {
	path   string
	schema *jsonschema.Schema
}

// LoadValidator compiles the JSON Schema in the file at path. Format
// assertions are on, so every "uri" and "date-time" value is checked.
// Patterns are ECMA-262 regular expressions, as JSON Schema specifies;
// the EPCIS schema needs their negative lookahead, which Go's regexp
// package lacks.
func LoadValidator(path string) (*Validator, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load EPCIS schema %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("load EPCIS schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("load EPCIS schema %s: %w", path, err)
	}

	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileECMAScript)
	url := "file://" + filepath.ToSlash(abs)
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("load EPCIS schema %s: %w", path, err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile EPCIS schema %s: %w", path, err)
	}
	return &Validator{path: path, schema: schema}, nil
}

// Validate checks JSON text, such as an EPCIS document, against the
// schema. It returns a *SchemaError listing every violation.
func (v *Validator) Validate(data []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("validate against %s: %w", v.path, err)
	}
	if err := v.schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return &SchemaError{Schema: v.path, Err: ve}
		}
		return fmt.Errorf("validate against %s: %w", v.path, err)
	}
	return nil
}

// ValidateDocument checks the EPCIS part of a batch document.
func (v *Validator) ValidateDocument(d *Document) error {
	data, err := encode(d.EPCIS)
	if err != nil {
		return fmt.Errorf("encode EPCIS document: %w", err)
	}
	return v.Validate(data)
}

// ValidateEPCIS checks EPCIS JSON text against the schema in the file at
// schemaPath. A receiver that validates many documents should load the
// schema once with LoadValidator.
func ValidateEPCIS(data []byte, schemaPath string) error {
	v, err := LoadValidator(schemaPath)
	if err != nil {
		return err
	}
	return v.Validate(data)
}

// SchemaError reports a document that does not validate against the
// schema.
type SchemaError struct {
	Schema string // the schema file
	Err    *jsonschema.ValidationError
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("EPCIS document does not validate against %s: %v", e.Schema, e.Err)
}

func (e *SchemaError) Unwrap() error { return e.Err }

// Violations lists each violated constraint with the JSON pointer of the
// value concerned, such as "/epcisBody/eventList/3/bizStep: value must be
// one of …".
func (e *SchemaError) Violations() []string {
	var out []string
	var walk func(u *jsonschema.OutputUnit)
	walk = func(u *jsonschema.OutputUnit) {
		if u.Error != nil && len(u.Errors) == 0 {
			out = append(out, u.InstanceLocation+": "+u.Error.String())
		}
		for i := range u.Errors {
			walk(&u.Errors[i])
		}
	}
	walk(e.Err.DetailedOutput())
	return out
}

// ecmaScriptRegexp adapts a regexp2 expression to jsonschema.Regexp. A
// match that times out counts as no match, so the value fails.
type ecmaScriptRegexp regexp2.Regexp

func (re *ecmaScriptRegexp) MatchString(s string) bool {
	matched, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && matched
}

func (re *ecmaScriptRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileECMAScript(pattern string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = regexpTimeout
	return (*ecmaScriptRegexp)(re), nil
}
