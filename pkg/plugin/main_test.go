package plugin

import (
	"os"
	"testing"
)

// TestMain stops the VictoriaMetrics processes the tests started (the shared fixture's lives for
// the whole package) once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	stopAllVMs()
	os.Exit(code)
}
