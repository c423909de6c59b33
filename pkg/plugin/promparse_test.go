package plugin

import (
	"fmt"
	"math"
	"testing"
)

func TestParseMatrix(t *testing.T) {
	body := `{"status":"success","isPartial":false,"data":{"resultType":"matrix","result":[` +
		`{"metric":{"job_name":"llama \"v2\" \\ (a|b)","node":"n1"},"values":[[1700000000,"1"],[1700000000.5,"+Inf"],[1700000001,"-2.5e3"]]},` +
		`{"metric":{},"extra":{"a":[1,"]"]},"values":[]}]},"stats":{"seriesFetched":"2"}}`
	ss, err := parseMatrix([]byte(body), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Labels["job_name"] != `llama "v2" \ (a|b)` || ss[0].Labels["node"] != "n1" || len(ss[1].Values) != 0 {
		t.Fatalf("got %+v", ss)
	}
	got := fmt.Sprint(ss[0].Times[1].UnixMilli(), ss[0].Values[0], math.IsInf(ss[0].Values[1], 1), ss[0].Values[2])
	if got != "1700000000500 1 true -2500" {
		t.Fatalf("points %s", got)
	}
	vec, err := parseMatrix([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"cluster":"a"},"value":[1700000000,"42"]}]}}`), 0)
	if err != nil || len(vec) != 1 || vec[0].Values[0] != 42 || vec[0].Labels["cluster"] != "a" {
		t.Fatalf("vector: %+v %v", vec, err)
	}
	for _, bad := range []string{`<html>`, `{"data":{"result":[{"metric":{"a":1}}]}}`, `{"data":{"result":[{"values":[[1,"x"]]}]}}`, `{"data":{"result":[`} {
		if _, err := parseMatrix([]byte(bad), 0); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
