package upload_test

import (
	"testing"

	"lambtrace/upload"
)

// Benchmarks of a full-size batch: 400 carcasses and 5,000 packs, with
// the facts generated outside the timer.

func BenchmarkBuild(b *testing.B) {
	facts := generateFacts(b, 400, 5000)
	size := 0
	for b.Loop() {
		doc, err := upload.Build(facts, upload.Options{Domain: testDomain})
		if err != nil {
			b.Fatal(err)
		}
		data, err := doc.Canonical()
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes/doc")
}

// BenchmarkParseCheck is what a receiver does with a document it has
// verified the signatures of: parse it and check it.
func BenchmarkParseCheck(b *testing.B) {
	data := mustCanonical(b, mustBuildGenerated(b, 400, 5000))
	for b.Loop() {
		doc, err := upload.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if problems := upload.Check(doc); len(problems) != 0 {
			b.Fatal(problems[0])
		}
	}
}

func BenchmarkValidateEPCIS(b *testing.B) {
	v := mustValidator(b)
	doc := mustBuildGenerated(b, 400, 5000)
	for b.Loop() {
		if err := v.ValidateDocument(doc); err != nil {
			b.Fatal(err)
		}
	}
}
