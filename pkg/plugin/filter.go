package plugin

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// matcher is a parsed cluster/job/node/device value: any, exact or regex.
//
//	"", "*", ".*"  any value (no filter)
//	"/re/"         regex, anchored like every Prometheus regex
//	"a|b\.c"      an alternation of regex-escaped values (how the frontend sends a multi-value
//	               variable): matched as that regex, i.e. exactly one of the values
//	otherwise      the exact value, quotes and regex characters included
type matcher struct {
	any   bool
	regex bool
	value string
}

func parseMatcher(field, raw string) (matcher, error) {
	if raw == "" || raw == "*" || raw == ".*" {
		return matcher{any: true}, nil
	}
	if len(raw) >= 2 && strings.HasPrefix(raw, "/") && strings.HasSuffix(raw, "/") {
		re := raw[1 : len(raw)-1]
		if re == "" {
			return matcher{}, fmt.Errorf("%s: the regex %q is empty; use * for any %s", field, raw, field)
		}
		if _, err := regexp.Compile("^(?:" + re + ")$"); err != nil {
			return matcher{}, fmt.Errorf("%s: the regex %q does not compile: %v; escape regex characters or pass the exact value without slashes", field, raw, unwrapRegexError(err))
		}
		if re == ".*" || re == ".+" {
			return matcher{any: true}, nil
		}
		return matcher{regex: true, value: re}, nil
	}
	if isEscapedAlternation(raw) {
		if _, err := regexp.Compile("^(?:" + raw + ")$"); err != nil {
			return matcher{}, fmt.Errorf("%s: the values %q do not form a valid regex: %v", field, raw, unwrapRegexError(err))
		}
		return matcher{regex: true, value: raw}, nil
	}
	return matcher{value: raw}, nil
}

// isEscapedAlternation reports whether s is values joined by unescaped "|" in which every other
// regex metacharacter is backslash-escaped: "eth0|mlx5_0", "llama\.v2|bert". A single job name
// such as `llama "v2" (a|b).*` has unescaped metacharacters and stays an exact value.
func isEscapedAlternation(s string) bool {
	bars := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '|':
			bars++
		case strings.IndexByte(`^$.*+?()[]{}`, c) >= 0:
			return false
		}
	}
	return bars > 0
}

func unwrapRegexError(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "error parsing regexp: ")
}

// filter renders the matcher as a MetricsQL label filter; every value is quoted and escaped.
func (m matcher) filter(label string) string {
	if m.any {
		return ""
	}
	op := "="
	if m.regex {
		op = "=~"
	}
	return label + op + strconv.Quote(m.value)
}

// exactSet builds a regex matcher for exactly these values.
func exactSet(values []string) matcher {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = regexp.QuoteMeta(v)
	}
	sort.Strings(q)
	return matcher{regex: true, value: strings.Join(q, "|")}
}

// selector joins non-empty label filters into {a="b",c=~"d"}; "" when there are none.
func selector(filters ...string) string {
	var parts []string
	for _, f := range filters {
		if f != "" {
			parts = append(parts, f)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}
