package line

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// samplePack is a pack of bone-in leg (GTIN and UNECE cut 4800 from the
// product list of the sample slaughter day) from an animal in the sample
// registry. The batch, serial and processor approval number are invented.
var samplePack = DigitalLink{
	Domain:            "trace.example.cn",
	GTIN:              "96923456000011",
	Batch:             "20261204-L1-1",
	Serial:            "010000000001",
	NetWeight:         2886 * Gram,
	SourceEntity:      "315250200357041",
	CutCode:           "4800",
	Origin:            CountryCodeChina,
	ProcessorApproval: CountryCodeChina + "1500/02017",
}

const samplePackURI = "https://trace.example.cn/01/96923456000011/10/20261204-L1-1/21/010000000001" +
	"?3103=002886&251=315250200357041&7002=4800&422=156&7030=1561500%2F02017"

// allSentinels lists every sentinel that a DigitalLinkError may wrap.
var allSentinels = []error{
	ErrURISyntax, ErrEscape, ErrScheme, ErrHost, ErrPathSyntax, ErrPathKey,
	ErrPathOrder, ErrMissingGTIN, ErrGTIN, ErrQueryKey, ErrDuplicateKey,
	ErrEmptyValue, ErrCharset, ErrTooLong, ErrFormat, ErrRange,
}

func TestDigitalLinkURISample(t *testing.T) {
	got, err := samplePack.URI()
	if err != nil {
		t.Fatalf("URI() error: %v", err)
	}
	if got != samplePackURI {
		t.Errorf("URI() =\n%s\nwant\n%s", got, samplePackURI)
	}

	parsed, err := ParseDigitalLink(got)
	if err != nil {
		t.Fatalf("ParseDigitalLink(%q) error: %v", got, err)
	}
	if !reflect.DeepEqual(parsed, samplePack) {
		t.Errorf("ParseDigitalLink(%q) = %+v, want %+v", got, parsed, samplePack)
	}
}

func TestDigitalLinkURI(t *testing.T) {
	base := func(change func(*DigitalLink)) DigitalLink {
		d := DigitalLink{Domain: "trace.example.cn", GTIN: "96923456000011"}
		change(&d)
		return d
	}
	tests := []struct {
		name string
		link DigitalLink
		want string
	}{
		{"gtin only", base(func(*DigitalLink) {}),
			"https://trace.example.cn/01/96923456000011"},
		{"cpv", base(func(d *DigitalLink) { d.CPV = "2A" }),
			"https://trace.example.cn/01/96923456000011/22/2A"},
		{"serial without batch", base(func(d *DigitalLink) { d.Serial = "7" }),
			"https://trace.example.cn/01/96923456000011/21/7"},
		{"all qualifiers", base(func(d *DigitalLink) { d.CPV, d.Batch, d.Serial = "C", "B", "S" }),
			"https://trace.example.cn/01/96923456000011/22/C/10/B/21/S"},
		{"gtin-13 padded", base(func(d *DigitalLink) { d.GTIN = "6901234567892" }),
			"https://trace.example.cn/01/06901234567892"},
		{"port", base(func(d *DigitalLink) { d.Domain = "127.0.0.1:8443" }),
			"https://127.0.0.1:8443/01/96923456000011"},
		{"escaped slash and plus", base(func(d *DigitalLink) { d.Batch = "A/B+C" }),
			"https://trace.example.cn/01/96923456000011/10/A%2FB%2BC"},
		{"set 82 punctuation", base(func(d *DigitalLink) { d.Serial = `!"%&'()*+,-./:;<=>?_` }),
			"https://trace.example.cn/01/96923456000011/21/%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_"},
		{"weight 1 g", base(func(d *DigitalLink) { d.NetWeight = 1 }),
			"https://trace.example.cn/01/96923456000011?3103=000001"},
		{"weight max", base(func(d *DigitalLink) { d.NetWeight = 999999 }),
			"https://trace.example.cn/01/96923456000011?3103=999999"},
		{"extra sorted", base(func(d *DigitalLink) {
			d.Origin = "156"
			d.Extra = map[string]string{"7031": "156B", "11": "261204", "17": "261218"}
		}),
			"https://trace.example.cn/01/96923456000011?422=156&11=261204&17=261218&7031=156B"},
	}
	for _, tt := range tests {
		got, err := tt.link.URI()
		if err != nil {
			t.Errorf("%s: URI() error: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: URI() = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestDigitalLinkRoundTrip(t *testing.T) {
	links := []DigitalLink{
		samplePack,
		{Domain: "trace.example.cn", GTIN: "06901234567892"},
		{Domain: "TRACE.example.cn:8443", GTIN: "95012345678903", CPV: "V1", Serial: "S/1"},
		{Domain: "[::1]", GTIN: "96923456000028", Batch: `!"%&'()*+,-./:;<=>?_`},
		{
			Domain:            "trace.example.cn",
			GTIN:              "96923456000110",
			CPV:               strings.Repeat("C", 20),
			Batch:             strings.Repeat("B", 20),
			Serial:            strings.Repeat("9", 20),
			NetWeight:         999999,
			SourceEntity:      strings.Repeat("%", 30),
			CutCode:           strings.Repeat("4", 30),
			Origin:            "000",
			ProcessorApproval: "156" + strings.Repeat("/", 27),
			Extra:             map[string]string{"99": strings.Repeat("&", 90), "7031": "156X"},
		},
	}
	for _, link := range links {
		uri, err := link.URI()
		if err != nil {
			t.Errorf("URI() of %+v error: %v", link, err)
			continue
		}
		got, err := ParseDigitalLink(uri)
		if err != nil {
			t.Errorf("ParseDigitalLink(%q) error: %v", uri, err)
			continue
		}
		if !reflect.DeepEqual(got, link) {
			t.Errorf("ParseDigitalLink(%q) = %+v, want %+v", uri, got, link)
		}
	}
}

func TestParseDigitalLink(t *testing.T) {
	const gtin = "96923456000011"
	tests := []struct {
		uri  string
		want DigitalLink
	}{
		{"http://trace.example.cn/01/" + gtin,
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin}},
		{"HTTPS://trace.example.cn/01/" + gtin,
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin}},
		{"https://trace.example.cn/01/6901234567892",
			DigitalLink{Domain: "trace.example.cn", GTIN: "06901234567892"}},
		{"https://trace.example.cn/01/96385074",
			DigitalLink{Domain: "trace.example.cn", GTIN: "00000096385074"}},
		{"https://trace.example.cn/01/" + gtin + "/10/a%2fb%2Bc+d",
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin, Batch: "a/b+c+d"}},
		{"https://trace.example.cn/01/" + gtin + "/21/1;2=3",
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin, Serial: "1;2=3"}},
		{"https://trace.example.cn/%30%31/" + gtin,
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin}},
		{"https://trace.example.cn/01/" + gtin + "?utm_source=label&exp=261231&linkType=all&utm_source=again",
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin}},
		{"https://trace.example.cn/01/" + gtin + "?%33103=002886&&7030=156A;B+C",
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin, NetWeight: 2886, ProcessorApproval: "156A;B+C"}},
		{"https://trace.example.cn/01/" + gtin + "?17=261231&3102=000289",
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin, Extra: map[string]string{"17": "261231", "3102": "000289"}}},
		{"https://trace.example.cn/01/" + gtin + "#label",
			DigitalLink{Domain: "trace.example.cn", GTIN: gtin}},
		{"https://trace.example.cn:8443/01/" + gtin,
			DigitalLink{Domain: "trace.example.cn:8443", GTIN: gtin}},
		{samplePackURI, samplePack},
	}
	for _, tt := range tests {
		got, err := ParseDigitalLink(tt.uri)
		if err != nil {
			t.Errorf("ParseDigitalLink(%q) error: %v", tt.uri, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseDigitalLink(%q) = %+v, want %+v", tt.uri, got, tt.want)
		}
	}
}

func TestParseDigitalLinkInvalid(t *testing.T) {
	const (
		host = "https://trace.example.cn"
		link = host + "/01/96923456000011"
	)
	long := func(n int) string { return strings.Repeat("A", n) }
	tests := []struct {
		uri  string
		want error
		part string
	}{
		// Scheme, host and URI syntax.
		{"", ErrScheme, "scheme"},
		{"trace.example.cn/01/96923456000011", ErrScheme, "scheme"},
		{"ftp://trace.example.cn/01/96923456000011", ErrScheme, "scheme"},
		{"https:///01/96923456000011", ErrHost, "host"},
		{"https:/01/96923456000011", ErrHost, "host"},
		{"https:01/96923456000011", ErrHost, "host"},
		{"https://:8443/01/96923456000011", ErrHost, "host"},
		{"https://user@trace.example.cn/01/96923456000011", ErrHost, "host"},
		{"https://例子.cn/01/96923456000011", ErrHost, "host"},
		{"https://trace.example.cn:84a/01/96923456000011", ErrURISyntax, "uri"},
		{link + "\x7f", ErrURISyntax, "uri"},

		// Path structure and order.
		{host, ErrMissingGTIN, "01"},
		{host + "/", ErrMissingGTIN, "01"},
		{host + "/10/ABC", ErrMissingGTIN, "01"},
		{host + "/22/C/10/B/21/S", ErrMissingGTIN, "01"},
		{link + "/", ErrPathSyntax, "path"},
		{host + "/products/01/96923456000011", ErrPathSyntax, "path"},
		{host + "/shop/lamb/01/96923456000011", ErrPathKey, "path"},
		{link + "/17/261231", ErrPathKey, "path"},
		{link + "/3103/002886", ErrPathKey, "3103"},
		{link + "/lot/ABC", ErrPathKey, "path"},
		{link + "/21/S/10/B", ErrPathOrder, "10"},
		{link + "/10/B/22/C", ErrPathOrder, "22"},
		{link + "/21/S/22/C", ErrPathOrder, "22"},
		{link + "/10/A/10/B", ErrPathOrder, "10"},
		{link + "/01/96923456000011", ErrPathOrder, "01"},
		{host + "/10/B/01/96923456000011", ErrPathOrder, "01"},

		// GTIN.
		{host + "/01/96923456000012", ErrGTIN, "01"},
		{host + "/01/9692345600001", ErrGTIN, "01"},
		{host + "/01/969234560000111", ErrGTIN, "01"},
		{host + "/01/9692345600001A", ErrGTIN, "01"},

		// Empty values.
		{host + "/01//10/B", ErrEmptyValue, "01"},
		{link + "/10/", ErrEmptyValue, "10"},
		{link + "/22//10/B", ErrEmptyValue, "22"},
		{link + "?3103=", ErrEmptyValue, "3103"},
		{link + "?3103", ErrEmptyValue, "3103"},
		{link + "?251=", ErrEmptyValue, "251"},
		{link + "?7002=", ErrEmptyValue, "7002"},
		{link + "?422=", ErrEmptyValue, "422"},
		{link + "?7030=", ErrEmptyValue, "7030"},
		{link + "?99=", ErrEmptyValue, "99"},

		// Character set 82.
		{link + "/10/A%20B", ErrCharset, "10"},
		{link + "/10/A B", ErrCharset, "10"},
		{link + "/10/A~B", ErrCharset, "10"},
		{link + "/21/A%23B", ErrCharset, "21"},
		{link + "/22/%C3%A9", ErrCharset, "22"},
		{link + "/21/%FF", ErrCharset, "21"},
		{link + "/21/A%00", ErrCharset, "21"},
		{link + "?251=A%5CB", ErrCharset, "251"},
		{link + "?7002=A@B", ErrCharset, "7002"},
		{link + "?7030=156A%7CB", ErrCharset, "7030"},
		{link + "?99=%60", ErrCharset, "99"},

		// Lengths.
		{link + "/22/" + long(21), ErrTooLong, "22"},
		{link + "/10/" + long(21), ErrTooLong, "10"},
		{link + "/21/" + long(21), ErrTooLong, "21"},
		{link + "?251=" + long(31), ErrTooLong, "251"},
		{link + "?7002=" + long(31), ErrTooLong, "7002"},
		{link + "?7030=156" + long(28), ErrTooLong, "7030"},
		{link + "?99=" + long(91), ErrTooLong, "99"},

		// Numeric formats.
		{link + "?3103=02886", ErrFormat, "3103"},
		{link + "?3103=0028860", ErrFormat, "3103"},
		{link + "?3103=2.886", ErrFormat, "3103"},
		{link + "?3103=-02886", ErrFormat, "3103"},
		{link + "?3103=000000", ErrRange, "3103"},
		{link + "?422=15", ErrFormat, "422"},
		{link + "?422=1560", ErrFormat, "422"},
		{link + "?422=CHN", ErrFormat, "422"},
		{link + "?7030=156", ErrFormat, "7030"},
		{link + "?7030=CN1234", ErrFormat, "7030"},

		// Query keys.
		{link + "?3103=002886&3103=002886", ErrDuplicateKey, "3103"},
		{link + "?99=A&99=B", ErrDuplicateKey, "99"},
		{link + "?3103=002886&%33103=002887", ErrDuplicateKey, "3103"},
		{link + "?10=B", ErrQueryKey, "10"},
		{link + "?01=96923456000011", ErrQueryKey, "01"},
		{link + "?21=S", ErrQueryKey, "21"},
		{link + "?22=C", ErrQueryKey, "22"},

		// Percent-encoding.
		{link + "/10/A%2", ErrEscape, "uri"},
		{link + "/10/A%ZZ", ErrEscape, "uri"},
		{link + "?251=A%ZZ", ErrEscape, "query"},
		{link + "?%ZZ=1", ErrEscape, "query"},
		{link + "?utm_source=%", ErrEscape, "query"},
	}
	for _, tt := range tests {
		got, err := ParseDigitalLink(tt.uri)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseDigitalLink(%q) error = %v, want %v", tt.uri, err, tt.want)
			continue
		}
		var linkErr *DigitalLinkError
		if !errors.As(err, &linkErr) {
			t.Errorf("ParseDigitalLink(%q) error = %T, want *DigitalLinkError", tt.uri, err)
			continue
		}
		if linkErr.Part != tt.part {
			t.Errorf("ParseDigitalLink(%q) error part = %q, want %q", tt.uri, linkErr.Part, tt.part)
		}
		if linkErr.URI != tt.uri {
			t.Errorf("ParseDigitalLink(%q) error URI = %q, want the input", tt.uri, linkErr.URI)
		}
		if !reflect.DeepEqual(got, DigitalLink{}) {
			t.Errorf("ParseDigitalLink(%q) = %+v with an error, want the zero value", tt.uri, got)
		}
	}
}

func TestParseDigitalLinkGTINError(t *testing.T) {
	uri := "https://trace.example.cn/01/96923456000012"
	_, err := ParseDigitalLink(uri)
	var idErr *IDError
	if !errors.As(err, &idErr) {
		t.Fatalf("ParseDigitalLink(%q) error = %v, want an *IDError inside", uri, err)
	}
	if idErr.Problem != ProblemCheck {
		t.Errorf("ParseDigitalLink(%q) IDError problem = %s, want %s", uri, idErr.Problem, ProblemCheck)
	}
}

func TestDigitalLinkErrorMessage(t *testing.T) {
	tests := []struct {
		uri  string
		want string
	}{
		{"https://trace.example.cn/01/96923456000011/10/" + strings.Repeat("A", 21),
			`invalid GS1 Digital Link "https://trace.example.cn/01/96923456000011/10/AAAAAAAAAAAAAAAAAAAAA": ` +
				`value too long: AI 10 (batch or lot number) "AAAAAAAAAAAAAAAAAAAAA" has 21 characters, the maximum is 20`},
		{"https://trace.example.cn/01/96923456000011/21/S/10/B",
			`invalid GS1 Digital Link "https://trace.example.cn/01/96923456000011/21/S/10/B": ` +
				`path AIs out of order or repeated: AI 10 (batch or lot number) comes after AI 21, but the path order is /01/, /22/, /10/, /21/`},
		{"https://trace.example.cn/01/96923456000011?251=A%5CB",
			`invalid GS1 Digital Link "https://trace.example.cn/01/96923456000011?251=A%5CB": ` +
				`character outside GS1 character set 82: AI 251 (reference to source entity) "A\\B" contains '\\' at byte 1`},
		{"https://trace.example.cn/01/96923456000012",
			`invalid GS1 Digital Link "https://trace.example.cn/01/96923456000012": ` +
				`invalid GTIN (AI 01): invalid gtin "96923456000012": check digit does not match (expected check digit 1)`},
		{"https://trace.example.cn/01/96923456000011?3103=000000",
			`invalid GS1 Digital Link "https://trace.example.cn/01/96923456000011?3103=000000": ` +
				`value out of range: AI 3103 (net weight in kg) "000000" is zero, so leave the AI out when the weight is unknown`},
	}
	for _, tt := range tests {
		_, err := ParseDigitalLink(tt.uri)
		if err == nil {
			t.Errorf("ParseDigitalLink(%q) error = nil, want %s", tt.uri, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseDigitalLink(%q) error =\n%s\nwant\n%s", tt.uri, err, tt.want)
		}
	}
}

func TestDigitalLinkURIInvalid(t *testing.T) {
	base := func(change func(*DigitalLink)) DigitalLink {
		d := DigitalLink{Domain: "trace.example.cn", GTIN: "96923456000011"}
		change(&d)
		return d
	}
	tests := []struct {
		name string
		link DigitalLink
		want error
		part string
	}{
		{"empty domain", base(func(d *DigitalLink) { d.Domain = "" }), ErrHost, "host"},
		{"domain with path", base(func(d *DigitalLink) { d.Domain = "trace.example.cn/x" }), ErrHost, "host"},
		{"domain with user", base(func(d *DigitalLink) { d.Domain = "u@trace.example.cn" }), ErrHost, "host"},
		{"domain with query", base(func(d *DigitalLink) { d.Domain = "trace.example.cn?a=1" }), ErrHost, "host"},
		{"domain with scheme", base(func(d *DigitalLink) { d.Domain = "https://trace.example.cn" }), ErrHost, "host"},
		{"domain non-ASCII", base(func(d *DigitalLink) { d.Domain = "例子.cn" }), ErrHost, "host"},
		{"domain bad port", base(func(d *DigitalLink) { d.Domain = "trace.example.cn:x" }), ErrHost, "host"},
		{"port only", base(func(d *DigitalLink) { d.Domain = ":8443" }), ErrHost, "host"},
		{"missing gtin", base(func(d *DigitalLink) { d.GTIN = "" }), ErrMissingGTIN, "01"},
		{"bad check digit", base(func(d *DigitalLink) { d.GTIN = "96923456000012" }), ErrGTIN, "01"},
		{"short gtin", base(func(d *DigitalLink) { d.GTIN = "1234" }), ErrGTIN, "01"},
		{"cpv too long", base(func(d *DigitalLink) { d.CPV = strings.Repeat("C", 21) }), ErrTooLong, "22"},
		{"batch too long", base(func(d *DigitalLink) { d.Batch = strings.Repeat("B", 21) }), ErrTooLong, "10"},
		{"batch space", base(func(d *DigitalLink) { d.Batch = "L1 1" }), ErrCharset, "10"},
		{"serial tilde", base(func(d *DigitalLink) { d.Serial = "S~1" }), ErrCharset, "21"},
		{"serial Chinese", base(func(d *DigitalLink) { d.Serial = "批次1" }), ErrCharset, "21"},
		{"weight negative", base(func(d *DigitalLink) { d.NetWeight = -1 }), ErrRange, "3103"},
		{"weight too large", base(func(d *DigitalLink) { d.NetWeight = 1000 * Kilogram }), ErrRange, "3103"},
		{"source too long", base(func(d *DigitalLink) { d.SourceEntity = strings.Repeat("3", 31) }), ErrTooLong, "251"},
		{"source charset", base(func(d *DigitalLink) { d.SourceEntity = "3-152502-0035#" }), ErrCharset, "251"},
		{"cut too long", base(func(d *DigitalLink) { d.CutCode = strings.Repeat("4", 31) }), ErrTooLong, "7002"},
		{"origin letters", base(func(d *DigitalLink) { d.Origin = "CN" }), ErrFormat, "422"},
		{"origin 4 digits", base(func(d *DigitalLink) { d.Origin = "1560" }), ErrFormat, "422"},
		{"approval no number", base(func(d *DigitalLink) { d.ProcessorApproval = "156" }), ErrFormat, "7030"},
		{"approval no country", base(func(d *DigitalLink) { d.ProcessorApproval = "CN1500" }), ErrFormat, "7030"},
		{"approval too long", base(func(d *DigitalLink) { d.ProcessorApproval = "156" + strings.Repeat("1", 28) }), ErrTooLong, "7030"},
		{"extra not digits", base(func(d *DigitalLink) { d.Extra = map[string]string{"lot": "B"} }), ErrQueryKey, "query"},
		{"extra empty key", base(func(d *DigitalLink) { d.Extra = map[string]string{"": "B"} }), ErrQueryKey, "query"},
		{"extra path ai", base(func(d *DigitalLink) { d.Extra = map[string]string{"10": "B"} }), ErrQueryKey, "10"},
		{"extra field ai", base(func(d *DigitalLink) { d.Extra = map[string]string{"3103": "002886"} }), ErrQueryKey, "3103"},
		{"extra empty value", base(func(d *DigitalLink) { d.Extra = map[string]string{"17": ""} }), ErrEmptyValue, "17"},
		{"extra too long", base(func(d *DigitalLink) { d.Extra = map[string]string{"99": strings.Repeat("X", 91)} }), ErrTooLong, "99"},
	}
	for _, tt := range tests {
		got, err := tt.link.URI()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: URI() = %q, %v, want error %v", tt.name, got, err, tt.want)
			continue
		}
		var linkErr *DigitalLinkError
		if !errors.As(err, &linkErr) {
			t.Errorf("%s: URI() error = %T, want *DigitalLinkError", tt.name, err)
			continue
		}
		if linkErr.Part != tt.part {
			t.Errorf("%s: URI() error part = %q, want %q", tt.name, linkErr.Part, tt.part)
		}
		if got != "" {
			t.Errorf("%s: URI() = %q with an error, want empty", tt.name, got)
		}
	}
}

func FuzzParseDigitalLink(f *testing.F) {
	for _, seed := range []string{
		samplePackURI,
		"https://trace.example.cn/01/96923456000011",
		"http://trace.example.cn:8443/01/6901234567892/22/C/10/B/21/S",
		"https://[::1]/01/96923456000011/10/A%2FB%2BC?99=%26&utm=x#frag",
		"https://trace.example.cn/01/96923456000011?17=261231&3102=000289&3103=002886",
		"https://trace.example.cn/01/96923456000011/21/S/10/B",
		"https://trace.example.cn/01/96923456000012",
		"https://trace.example.cn/01/96923456000011?3103=000000",
		"https://trace.example.cn/01/96923456000011?%33103=1&3103=2",
		"https://trace.example.cn/01/96923456000011/10/%ZZ",
		"https://trace.example.cn/01/96923456000011?7030=156%2F&422=156",
		"https:///01/96923456000011",
		"https://user@trace.example.cn/01/96923456000011",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		link, err := ParseDigitalLink(uri)
		if err != nil {
			var linkErr *DigitalLinkError
			if !errors.As(err, &linkErr) {
				t.Fatalf("ParseDigitalLink(%q) error = %T, want *DigitalLinkError", uri, err)
			}
			if !wrapsAny(allSentinels, err) {
				t.Fatalf("ParseDigitalLink(%q) error = %v, wraps no sentinel", uri, err)
			}
			return
		}

		built, err := link.URI()
		if err != nil {
			t.Fatalf("ParseDigitalLink(%q) = %+v, but URI() error: %v", uri, link, err)
		}
		again, err := ParseDigitalLink(built)
		if err != nil {
			t.Fatalf("ParseDigitalLink(%q) error: %v (built from %q)", built, err, uri)
		}
		if !reflect.DeepEqual(again, link) {
			t.Fatalf("ParseDigitalLink(%q) = %+v, want %+v (built from %q)", built, again, link, uri)
		}
		rebuilt, err := again.URI()
		if err != nil || rebuilt != built {
			t.Fatalf("URI() = %q, %v, want %q", rebuilt, err, built)
		}
	})
}

// wrapsAny reports whether err wraps one of targets.
func wrapsAny(targets []error, err error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func BenchmarkDigitalLinkURI(b *testing.B) {
	for b.Loop() {
		if _, err := samplePack.URI(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDigitalLink(b *testing.B) {
	for b.Loop() {
		if _, err := ParseDigitalLink(samplePackURI); err != nil {
			b.Fatal(err)
		}
	}
}
