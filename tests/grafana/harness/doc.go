// Package harness starts the real parts of the HiFreq end-to-end tests (VictoriaMetrics, the
// hifreq-agent, the plugin's backend binary) and talks to them the way Grafana does.
package harness
