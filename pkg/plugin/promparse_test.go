package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

const matrixBody = `{"status":"success","isPartial":false,"data":{"resultType":"matrix","result":[` +
	`{"metric":{"job_name":"llama \"v2\" \\ (a|b)","node":"n1"},"values":[[1700000000,"1"],[1700000000.5,"+Inf"],[1700000001,"-2.5e3"]]},` +
	`{"metric":{},"extra":{"a":[1,"]"]},"values":[]}]},"stats":{"seriesFetched":"2"}}`

func checkMatrix(t *testing.T, ss []series, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Labels["job_name"] != `llama "v2" \ (a|b)` || ss[0].Labels["node"] != "n1" || len(ss[1].Values) != 0 {
		t.Fatalf("got %+v", ss)
	}
	got := fmt.Sprint(ss[0].Times, ss[0].Values[0], math.IsInf(ss[0].Values[1], 1), ss[0].Values[2])
	if got != "[1700000000000 1700000000500 1700000001000] 1 true -2500" {
		t.Fatalf("points %s", got)
	}
}

func TestParseMatrix(t *testing.T) {
	ss, err := parseMatrix([]byte(matrixBody), 3)
	checkMatrix(t, ss, err)
	vec, err := parseMatrix([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"cluster":"a"},"value":[1700000000,"42"]}]}}`), 0)
	if err != nil || len(vec) != 1 || vec[0].Values[0] != 42 || vec[0].Labels["cluster"] != "a" {
		t.Fatalf("vector: %+v %v", vec, err)
	}
	for _, bad := range []string{`<html>`, `{"data":{"result":[{"metric":{"a":1}}]}}`, `{"data":{"result":[{"values":[[1,"x"]]}]}}`, `{"data":{"result":[`,
		`{"data":{"result":[{"values":[[1,"2`, `{"data":{"result":[{"metric":{"a":"b`} {
		if _, err := parseMatrix([]byte(bad), 0); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// The scanner reads the answer through a window: every token may be split across reads.
func TestParseMatrixWhileReading(t *testing.T) {
	ss, err := parseMatrixFrom(iotest.OneByteReader(strings.NewReader(matrixBody)), 0)
	checkMatrix(t, ss, err)

	// A label longer than the 64 KiB window, then many points across window refills.
	long := strings.Repeat("x", 200*1024)
	var b bytes.Buffer
	b.WriteString(`{"data":{"result":[{"metric":{"pod":"` + long + `"},"values":[`)
	for i := 0; i < 20000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `[%d,"%d.25"]`, 1700000000+i, i)
	}
	b.WriteString(`]}]}}`)
	ss, err = parseMatrixFrom(iotest.HalfReader(&b), 10)
	if err != nil || len(ss) != 1 || ss[0].Labels["pod"] != long || len(ss[0].Values) != 20000 {
		t.Fatalf("long answer: %v, %d series", err, len(ss))
	}
	for i, v := range ss[0].Values {
		if v != float64(i)+0.25 || ss[0].Times[i] != int64(1700000000+i)*1000 {
			t.Fatalf("point %d: %d %v", i, ss[0].Times[i], v)
		}
	}

	// A connection that breaks mid-answer is a read error, not a JSON error.
	broken := io.MultiReader(strings.NewReader(matrixBody[:100]), iotest.ErrReader(errors.New("connection reset by peer")))
	_, err = parseMatrixFrom(broken, 0)
	var re *readError
	if !errors.As(err, &re) || err.Error() != "connection reset by peer" {
		t.Fatalf("broken answer: %v", err)
	}
}

// The fast path of parseFloatBytes returns the same bits as strconv.ParseFloat for every
// format VictoriaMetrics writes, and leaves the rest to strconv.
func TestParseFloatBytesMatchesStrconv(t *testing.T) {
	var in []string
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < 20000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		f := math.Float64frombits(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		scaled := float64(x%1e15) / math.Pow(10, float64(x%19))
		for _, v := range []float64{f, scaled, -scaled, float64(x % 1e12), float64(x%1e9) * 8} {
			in = append(in, strconv.FormatFloat(v, 'g', -1, 64), strconv.FormatFloat(v, 'f', -1, 64), strconv.FormatFloat(v, 'e', 6, 64),
				strconv.FormatFloat(v, 'f', 3, 64))
		}
	}
	in = append(in, "0", "-0", "1e22", "1e23", "9007199254740993", "9007199254740992", "123456789012345678", "1.5e-22", "1.5e-23",
		"+Inf", "-Inf", "NaN", "+1", ".5", "5.", "1e", "1e+", "--1", "1.2.3", "0x10", "1_000", "")
	for _, s := range in {
		want, werr := strconv.ParseFloat(s, 64)
		got, gerr := parseFloatBytes([]byte(s))
		if (werr == nil) != (gerr == nil) || (werr == nil && math.Float64bits(got) != math.Float64bits(want)) {
			t.Fatalf("%q: got %v (%v), strconv %v (%v)", s, got, gerr, want, werr)
		}
	}
}
