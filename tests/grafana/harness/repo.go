package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the checkout's root: the nearest parent directory whose go.mod declares the
// module github.com/hifreq/netmon.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module github.com/hifreq/netmon\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("cannot find the repository root (a go.mod of module github.com/hifreq/netmon) above the working directory")
		}
		dir = parent
	}
}
