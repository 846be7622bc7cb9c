{{/* Names, labels and the pieces every pod of the chart shares. */}}

{{- define "binhyen.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "binhyen.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object; call with (dict "root" $ "component" "web"). */}}
{{- define "binhyen.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "binhyen.selectorLabels" . }}
{{- end }}

{{- define "binhyen.selectorLabels" -}}
app.kubernetes.io/name: {{ include "binhyen.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{- define "binhyen.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "binhyen.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "binhyen.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the keys and URLs: the operator's, or the chart's. */}}
{{- define "binhyen.secretName" -}}
{{- default (include "binhyen.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Settings that are not secret, as BINHYEN_* variables (ConfigMap data). */}}
{{- define "binhyen.settings" -}}
BINHYEN_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
BINHYEN_LOG_FORMAT: {{ .Values.config.logFormat | quote }}
BINHYEN_COOKIE_SECURE: {{ .Values.config.cookieSecure | toString | quote }}
BINHYEN_SESSION_HOURS: {{ .Values.config.sessionHours | toString | quote }}
BINHYEN_FORWARDED_ALLOW_IPS: {{ .Values.config.forwardedAllowIps | quote }}
BINHYEN_DATABASE_APP_ROLE: {{ .Values.config.databaseAppRole | quote }}
BINHYEN_WEB_BIND: "0.0.0.0:8000"
BINHYEN_WEB_WORKERS: {{ .Values.web.workers | toString | quote }}
BINHYEN_WEB_WORKER_CLASS: {{ .Values.web.workerClass | quote }}
BINHYEN_WEB_THREADS: {{ .Values.web.threads | toString | quote }}
BINHYEN_WEB_TIMEOUT: {{ .Values.web.timeout | toString | quote }}
BINHYEN_INSTANCE_PATH: "/tmp/binhyen"
PROMETHEUS_MULTIPROC_DIR: "/tmp/prometheus"
{{- range $name, $value := .Values.config.extra }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
The secret variables a process gets; call with (dict "root" $ "migration"
true) for the migration Job, the only one that receives the owner's URL.
*/}}
{{- define "binhyen.secretEnv" -}}
{{- $root := .root }}
{{- $name := include "binhyen.secretName" $root }}
{{- if and .migration (not $root.Values.secrets.existingSecret) }}
{{- $name = printf "%s-migration" (include "binhyen.fullname" $root) }}
{{- end }}
{{- $keys := list "BINHYEN_SECRET_KEY" "BINHYEN_MASTER_KEY" "BINHYEN_DATABASE_URL" "BINHYEN_REDIS_URL" }}
{{- if .migration }}
{{- $keys = append $keys "BINHYEN_MIGRATION_DATABASE_URL" }}
{{- end }}
{{- range $keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ . }}
{{- end }}
{{- range list "BINHYEN_OLD_MASTER_KEYS" "BINHYEN_METRICS_TOKEN" }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ . }}
      optional: true
{{- end }}
{{- end }}

{{/* Pod-level fields shared by every pod; call with (dict "root" $ "part" .Values.web). */}}
{{- define "binhyen.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      medium: Memory
      sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- with .part.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .part.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .part.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Container fields shared by every container of the chart. */}}
{{- define "binhyen.containerCommon" -}}
image: {{ include "binhyen.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* Environment of the long-running processes: ConfigMap plus Secret. */}}
{{- define "binhyen.processEnv" -}}
envFrom:
  - configMapRef:
      name: {{ include "binhyen.fullname" . }}
env:
  {{- include "binhyen.secretEnv" (dict "root" . "migration" false) | trim | nindent 2 }}
{{- end }}

{{/* Changes to settings roll the pods. */}}
{{- define "binhyen.checksums" -}}
checksum/config: {{ include "binhyen.settings" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* A PodDisruptionBudget's limit: one of maxUnavailable or minAvailable. */}}
{{- define "binhyen.pdbLimit" -}}
{{- if hasKey . "minAvailable" }}
minAvailable: {{ .minAvailable }}
{{- else }}
maxUnavailable: {{ .maxUnavailable }}
{{- end }}
{{- end }}
