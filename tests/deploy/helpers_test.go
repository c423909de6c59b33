// Package deploy checks the deployment files: the Helm chart (helm lint/template, rendered
// manifests decoded strictly into the Kubernetes API types, RBAC/mount/securityContext rules), the
// docker compose dev stack (compose-spec validation, pinned images), and the stack the compose
// file describes, run as plain processes (VictoriaMetrics + two agents).
package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// repoRoot is the checkout root (two levels above this directory).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// tool finds an executable on PATH or in the Go bin directory, or fails the test saying how to
// install it.
func tool(t *testing.T, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	gobin := os.Getenv("GOBIN")
	if gobin == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gobin = filepath.Join(strings.TrimSpace(string(out)), "bin")
		}
	}
	if p := filepath.Join(gobin, name); gobin != "" {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	t.Fatalf("%s is not installed; install it with: %s (or run bash scripts/install.d/50-deploy-tools.sh)", name, install)
	return ""
}

// run executes a command in dir and returns its combined output.
func run(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}
