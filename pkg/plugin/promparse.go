package plugin

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unsafe"
)

// parseMatrix decodes the data.result of a successful Prometheus query answer (matrix or
// vector). It is a hand-written scanner because encoding/json spent most of the backend's
// time on million-point answers; unknown keys are skipped, so it tolerates additions.
// pointsHint preallocates each series' points (the range's point count; 0 if unknown).
func parseMatrix(b []byte, pointsHint int) ([]series, error) {
	p := &jsonScanner{b: b, hint: pointsHint}
	out, err := p.topLevel()
	if err != nil {
		return nil, fmt.Errorf("at byte %d: %v", p.i, err)
	}
	return out, nil
}

type jsonScanner struct {
	b    []byte
	i    int
	hint int
}

func (p *jsonScanner) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\n', '\r', '\t':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) expect(c byte) error {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != c {
		return fmt.Errorf("expected %q", c)
	}
	p.i++
	return nil
}

// peek reports whether the next non-space byte is c, consuming it if so.
func (p *jsonScanner) peek(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonScanner) str() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	start := p.i
	escaped := false
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '\\':
			escaped = true
			p.i += 2
			continue
		case '"':
			raw := p.b[start:p.i]
			p.i++
			if !escaped {
				return string(raw), nil
			}
			s, err := strconv.Unquote(`"` + string(raw) + `"`)
			if err != nil {
				return "", fmt.Errorf("bad string escape: %v", err)
			}
			return s, nil
		}
		p.i++
	}
	return "", fmt.Errorf("unterminated string")
}

// numberBytes returns the bytes of a JSON number or of a quoted value's content, without allocating.
func (p *jsonScanner) numberBytes() []byte {
	p.ws()
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	return p.b[start:p.i]
}

// parseFloatBytes parses without copying the bytes into a new string; the scanner's buffer
// is not modified while the string is in use.
func parseFloatBytes(b []byte) (float64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("empty number")
	}
	return strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
}

// timestampMillis parses a Prometheus API timestamp (seconds, optionally with a fraction) into
// milliseconds; integers, the common case, take a fast path.
func timestampMillis(b []byte) (int64, error) {
	var n int64
	for i, c := range b {
		if c < '0' || c > '9' {
			f, err := parseFloatBytes(b)
			if err != nil || i == 0 && c != '.' && c != '-' {
				return 0, fmt.Errorf("bad timestamp %q", b)
			}
			return int64(math.Round(f * 1000)), nil
		}
		n = n*10 + int64(c-'0')
	}
	if len(b) == 0 {
		return 0, fmt.Errorf("empty timestamp")
	}
	return n * 1000, nil
}

// skip skips any JSON value.
func (p *jsonScanner) skip() error {
	p.ws()
	if p.i >= len(p.b) {
		return fmt.Errorf("unexpected end")
	}
	switch p.b[p.i] {
	case '"':
		_, err := p.str()
		return err
	case '{', '[':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if _, err := p.str(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return nil
				}
			}
			p.i++
		}
		return fmt.Errorf("unterminated value")
	default:
		for p.i < len(p.b) && p.b[p.i] != ',' && p.b[p.i] != '}' && p.b[p.i] != ']' {
			p.i++
		}
		return nil
	}
}

// object calls fn for each key of an object; fn must consume the value.
func (p *jsonScanner) object(fn func(key string) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek('}') {
		return nil
	}
	for {
		k, err := p.str()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := fn(k); err != nil {
			return err
		}
		if p.peek(',') {
			continue
		}
		return p.expect('}')
	}
}

// array calls fn for each element; fn must consume it.
func (p *jsonScanner) array(fn func() error) error {
	if err := p.expect('['); err != nil {
		return err
	}
	if p.peek(']') {
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		if p.peek(',') {
			continue
		}
		return p.expect(']')
	}
}

func (p *jsonScanner) topLevel() ([]series, error) {
	out := []series{}
	err := p.object(func(k string) error {
		if k != "data" {
			return p.skip()
		}
		return p.object(func(k string) error {
			if k != "result" {
				return p.skip()
			}
			return p.array(func() error {
				s, err := p.oneSeries()
				out = append(out, s)
				return err
			})
		})
	})
	return out, err
}

func (p *jsonScanner) oneSeries() (series, error) {
	s := series{Labels: map[string]string{}}
	if p.hint > 0 {
		s.Times, s.Values = make([]time.Time, 0, p.hint), make([]float64, 0, p.hint)
	}
	err := p.object(func(k string) error {
		switch k {
		case "metric":
			return p.object(func(name string) error {
				v, err := p.str()
				s.Labels[name] = v
				return err
			})
		case "values":
			return p.array(func() error { return p.point(&s) })
		case "value":
			return p.point(&s)
		}
		return p.skip()
	})
	return s, err
}

func (p *jsonScanner) point(s *series) error {
	if err := p.expect('['); err != nil {
		return err
	}
	ms, err := timestampMillis(p.numberBytes())
	if err != nil {
		return err
	}
	if err := p.expect(','); err != nil {
		return err
	}
	if err := p.expect('"'); err != nil {
		return err
	}
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != '"' {
		p.i++
	}
	if p.i >= len(p.b) {
		return fmt.Errorf("unterminated value")
	}
	v, err := parseFloatBytes(p.b[start:p.i])
	if err != nil {
		return fmt.Errorf("bad value %q", p.b[start:p.i])
	}
	p.i++
	s.Times = append(s.Times, time.UnixMilli(ms).UTC())
	s.Values = append(s.Values, v)
	return p.expect(']')
}
