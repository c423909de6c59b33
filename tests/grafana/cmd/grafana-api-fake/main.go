// Command grafana-api-fake serves a FAKE of Grafana 13's HTTP API in front of the REAL HiFreq
// backend plugin (started over go-plugin gRPC as Grafana starts it) for the browser plugin
// harness. See package fakegrafana and docs/browser-tests.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hifreq/netmon/tests/grafana/fakegrafana"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3000", "loopback address to listen on")
	vmURL := flag.String("vm-url", "", "VictoriaMetrics URL; sets HIFREQ_VM_URL, which provisioning/datasources expands")
	dist := flag.String("dist", "dist", "the plugin build (app with its nested datasource)")
	prov := flag.String("provisioning", "provisioning", "Grafana provisioning folder (datasources/, plugins/)")
	static := flag.String("static", "", "folder with the plugin harness page (index.html); empty serves only the API")
	logDir := flag.String("log-dir", os.TempDir(), "folder for the plugin's log")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	host, _, err := net.SplitHostPort(*listen)
	if err != nil || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
		fmt.Fprintf(os.Stderr, "grafana-api-fake: --listen must be a loopback address, got %q\n", *listen)
		os.Exit(2)
	}
	if *vmURL != "" {
		os.Setenv("HIFREQ_VM_URL", *vmURL)
	}
	srv, err := fakegrafana.New(fakegrafana.Config{DistDir: *dist, ProvisioningDir: *prov, StaticDir: *static, LogDir: *logDir, Logger: log})
	if err != nil {
		fmt.Fprintf(os.Stderr, "grafana-api-fake: %v\n", err)
		os.Exit(1)
	}
	defer srv.Close()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "grafana-api-fake: %v\n", err)
		srv.Close()
		os.Exit(1)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Info("grafana-api-fake listening (a fake of Grafana's HTTP API, real plugin backend)", "addr", "http://"+l.Addr().String(), "dist", *dist)
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(os.Stderr, "grafana-api-fake: %v\n", err)
	}
}
