package plugin

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"
)

// parseMatrix decodes the data.result of a successful Prometheus query answer (matrix or
// vector). It is a hand-written scanner because encoding/json spent most of the backend's
// time on million-point answers; unknown keys are skipped, so it tolerates additions.
// pointsHint preallocates each series' points (the range's point count; 0 if unknown).
func parseMatrix(b []byte, pointsHint int) ([]series, error) {
	return parseMatrixFrom(bytes.NewReader(b), pointsHint)
}

// readError is a failure to read the answer (as opposed to an answer that is not JSON).
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// parseMatrixFrom decodes an answer while it is read: the scanner holds a window of the
// input (64 KiB, larger only for a longer token), so parsing overlaps VictoriaMetrics writing
// the answer and no buffer of the whole body is built. A read error is a *readError.
func parseMatrixFrom(r io.Reader, pointsHint int) ([]series, error) {
	p := &jsonScanner{r: r, b: make([]byte, 0, 64*1024), hint: pointsHint}
	out, err := p.topLevel()
	if p.readErr != nil {
		return nil, &readError{p.readErr}
	}
	if err != nil {
		return nil, fmt.Errorf("at byte %d: %v", p.off+p.i, err)
	}
	return out, nil
}

// jsonScanner reads JSON from r through the window b; b[i:] is not yet consumed.
type jsonScanner struct {
	r       io.Reader
	b       []byte
	i       int
	off     int // input bytes dropped before b[0]
	eof     bool
	readErr error
	hint    int
}

// more reads more input into the window, dropping the bytes before b[keep] (keep <= i).
// It returns how many bytes were dropped (positions into b move back by that much) and
// whether new input arrived.
func (p *jsonScanner) more(keep int) (int, bool) {
	if p.eof {
		return 0, false
	}
	if keep > 0 {
		n := copy(p.b, p.b[keep:])
		p.b = p.b[:n]
		p.i -= keep
		p.off += keep
	}
	if len(p.b) == cap(p.b) { // one token fills the window: grow it
		nb := make([]byte, len(p.b), 2*cap(p.b))
		copy(nb, p.b)
		p.b = nb
	}
	for {
		n, err := p.r.Read(p.b[len(p.b):cap(p.b)])
		p.b = p.b[:len(p.b)+n]
		if err != nil {
			p.eof = true
			if err != io.EOF {
				p.readErr = err
			}
			return keep, n > 0
		}
		if n > 0 {
			return keep, true
		}
	}
}

// avail reports whether an unread byte is in the window, reading more if needed.
func (p *jsonScanner) avail() bool {
	for p.i >= len(p.b) {
		if _, ok := p.more(p.i); !ok {
			return false
		}
	}
	return true
}

func (p *jsonScanner) ws() {
	for p.avail() {
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
	start, j := p.i, p.i
	escaped := false
	for {
		if j >= len(p.b) {
			shift, ok := p.more(start)
			start, j = start-shift, j-shift
			if !ok {
				p.i = j
				return "", fmt.Errorf("unterminated string")
			}
			continue
		}
		switch p.b[j] {
		case '\\':
			escaped = true
			j += 2
			continue
		case '"':
			raw := p.b[start:j]
			p.i = j + 1
			if !escaped {
				return string(raw), nil
			}
			s, err := strconv.Unquote(`"` + string(raw) + `"`)
			if err != nil {
				return "", fmt.Errorf("bad string escape: %v", err)
			}
			return s, nil
		}
		j++
	}
}

// numberBytes returns the bytes of a JSON number at the read position, consuming them.
// The slice is valid until the next read.
func (p *jsonScanner) numberBytes() []byte {
	start, j := p.i, p.i
	for {
		for j < len(p.b) {
			c := p.b[j]
			if (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
				j++
				continue
			}
			p.i = j
			return p.b[start:j]
		}
		shift, ok := p.more(start)
		start, j = start-shift, j-shift
		if !ok {
			p.i = j
			return p.b[start:j]
		}
	}
}

// quotedBytes returns the bytes up to the next '"' (not consumed), consuming them; ok is
// false at the end of input. The slice is valid until the next read.
func (p *jsonScanner) quotedBytes() (b []byte, ok bool) {
	start, j := p.i, p.i
	for {
		if k := bytes.IndexByte(p.b[j:], '"'); k >= 0 {
			p.i = j + k
			return p.b[start:p.i], true
		}
		j = len(p.b)
		shift, more := p.more(start)
		start, j = start-shift, j-shift
		if !more {
			p.i = j
			return p.b[start:j], false
		}
	}
}

// parseFloatBytes parses a JSON number or a Prometheus sample value. Plain decimals (an
// optional '-', digits, an optional fraction and exponent) whose digits fit 2^53 and whose
// power of ten is at most 22 take an exact fast path: both operands are exact float64s, so one
// multiplication or division rounds correctly (the same fast path strconv takes after more
// checks). Anything else (Inf, NaN, more digits, '+') goes to strconv without copying the bytes.
func parseFloatBytes(b []byte) (float64, error) {
	if f, ok := parseSimpleFloat(b); ok {
		return f, nil
	}
	if len(b) == 0 {
		return 0, fmt.Errorf("empty number")
	}
	return strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func parseSimpleFloat(b []byte) (float64, bool) {
	i := 0
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		mant = mant*10 + uint64(b[i]-'0')
		digits++
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
			exp--
		}
	}
	if digits == 0 || digits > 18 || mant > 1<<53 {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := i < len(b) && b[i] == '-'
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			i++
		}
		e, edigits := 0, 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && edigits < 4; i++ {
			e = e*10 + int(b[i]-'0')
			edigits++
		}
		if edigits == 0 {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, false
	}
	f := float64(mant)
	switch {
	case exp >= 0 && exp < len(pow10):
		f *= pow10[exp]
	case exp < 0 && -exp < len(pow10):
		f /= pow10[-exp]
	default:
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
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
		for p.avail() {
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
		for p.avail() && p.b[p.i] != ',' && p.b[p.i] != '}' && p.b[p.i] != ']' {
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
		s.Times, s.Values = make([]int64, 0, p.hint), make([]float64, 0, p.hint)
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
	p.ws()
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
	raw, ok := p.quotedBytes()
	if !ok {
		return fmt.Errorf("unterminated value")
	}
	v, err := parseFloatBytes(raw)
	if err != nil {
		return fmt.Errorf("bad value %q", raw)
	}
	p.i++
	s.Times = append(s.Times, ms)
	s.Values = append(s.Values, v)
	return p.expect(']')
}
