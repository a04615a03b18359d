package upload_test

import (
	"bytes"
	"testing"

	"lambtrace/upload"
)

// FuzzParse feeds Parse arbitrary bytes, starting from a real document.
// Whatever parses must survive Check without a panic, and its canonical
// form must parse again to the same bytes.
func FuzzParse(f *testing.F) {
	f.Add(mustCanonical(f, mustBuild(f)))
	f.Add(mustCanonical(f, mustBuildGenerated(f, 3, 20)))
	f.Add([]byte(`{"format":"lambtrace-batch/1"}`))
	f.Add([]byte(`{"format":"lambtrace-batch/1","batch":{"day":"2026-12-04"},"packs":[{"serial":"010000000001","carcass":"x"}],"epcis":{"@context":["u",{"lt":"v"}]}}`))
	f.Add([]byte(`{"format":"lambtrace-batch/1","batch":{"day":"2026-12-04"}} {}`))
	f.Add([]byte(`[]`))

	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := upload.Parse(data)
		if err != nil {
			return
		}
		upload.Check(doc)
		canonical, err := doc.Canonical()
		if err != nil {
			t.Fatalf("Canonical of a parsed document: %v", err)
		}
		again, err := upload.Parse(canonical)
		if err != nil {
			t.Fatalf("Parse of a canonical document: %v\n%s", err, canonical)
		}
		second, err := again.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(canonical, second) {
			t.Fatalf("canonical form changed on a second round:\n%s\n%s", canonical, second)
		}
	})
}
