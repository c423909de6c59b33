{{/* Names and labels shared by the templates. */}}
{{- define "hifreq.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hifreq.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hifreq.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hifreq.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "hifreq.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "hifreq.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "hifreq.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hifreq.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The agent runs as root only when it must: the kubelet pod-resources socket is root-only and
reading other processes' /proc/<pid>/net needs CAP_SYS_PTRACE. */}}
{{- define "hifreq.needsRoot" -}}
{{- if or .Values.podResources.enabled .Values.podInterfaces.enabled -}}true{{- end -}}
{{- end -}}
