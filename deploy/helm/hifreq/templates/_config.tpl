{{/* The agent configuration rendered into the ConfigMap (keys are the agent's flag names). */}}
{{- define "hifreq.agentConfig" -}}
{{- $cfg := dict
  "cluster" (required "cluster is required: the value of the cluster label, e.g. --set cluster=gpu-prod-eu1" .Values.cluster)
  "path.procfs" "/host/proc"
  "path.sysfs" "/host/sys"
  "web.listen-address" (printf ":%v" .Values.service.port)
  "remote-write.url" .Values.remoteWrite.urls
  "remote-write.queue-dir" "/var/lib/hifreq-agent/queue"
  "remote-write.max-queue-bytes" .Values.remoteWrite.queue.maxBytes
  "pods.source" .Values.pods.source
  "pods.selector" .Values.pods.selector
  "interval.default" .Values.interval.default
  "interval.high" .Values.interval.high
  "binding.fallback" .Values.podResources.fallback
  "log.level" .Values.logLevel
-}}
{{- if not .Values.remoteWrite.urls }}
{{- fail "remoteWrite.urls needs at least one URL, e.g. http://victoria-metrics:8428/api/v1/write" }}
{{- end }}
{{- if .Values.pods.jobNameLabels }}
{{- $_ := set $cfg "pods.job-name-labels" .Values.pods.jobNameLabels }}
{{- end }}
{{- if eq .Values.pods.source "kubelet" }}
{{- $_ := set $cfg "pods.kubelet-insecure-tls" .Values.pods.kubelet.insecureSkipTLSVerify }}
{{- end }}
{{- if .Values.podResources.enabled }}
{{- $_ := set $cfg "binding.pod-resources-socket" "/var/lib/kubelet/pod-resources/kubelet.sock" }}
{{- else }}
{{- $_ := set $cfg "binding.pod-resources-socket" "" }}
{{- end }}
{{- $map := list }}
{{- range $resource, $devices := .Values.podResources.resourceMap }}
{{- $map = append $map (printf "%s=%s" $resource (join "," $devices)) }}
{{- end }}
{{- if $map }}
{{- $_ := set $cfg "binding.resource-map" $map }}
{{- end }}
{{- toYaml $cfg }}
{{- end -}}
