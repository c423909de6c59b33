package plugin

import (
	"os"
	"strings"
	"testing"
)

// docs/backend.md documents every signal id of the catalog.
func TestDocsListEverySignal(t *testing.T) {
	b, err := os.ReadFile("../../docs/backend.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range signals {
		row := "| `" + s.ID + "` | " + s.Title + " | `" + s.Unit + "` | " + s.Kind + " |"
		if !strings.Contains(string(b), row) {
			t.Errorf("docs/backend.md lacks the catalog row of %s (want it to start with %q)", s.ID, row)
		}
	}
}
