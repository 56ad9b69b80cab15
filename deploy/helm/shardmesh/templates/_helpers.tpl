{{/* Names: <release>-shardmesh unless the release name already holds the chart's name. */}}
{{- define "shardmesh.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "shardmesh.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shardmesh.labels" -}}
{{ include "shardmesh.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "shardmesh.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The headless Service every shard pod is named under: POD.<this>.NAMESPACE.svc.DOMAIN. */}}
{{- define "shardmesh.shardService" -}}
{{- printf "%s-shard" (include "shardmesh.fullname" .) -}}
{{- end -}}

{{/*
--registry for routers and shards. With the node's Consul agent, $(HOST_IP) is the env var the
pod sets from status.hostIP; Kubernetes substitutes it in args.
*/}}
{{- define "shardmesh.registryUrl" -}}
{{- if .Values.consul.useNodeAgent -}}
consul://$(HOST_IP):{{ .Values.consul.nodeAgentPort }}
{{- else -}}
consul://{{ .Values.consul.address }}
{{- end -}}
{{- end -}}

{{/*
The certificate Secret as the certificate store `--certs` reads: ca.pem, NAME.pem, NAME-key.pem.
Secret items are symlinks into ..data, which the kubelet swaps when cert-manager renews the
Secret; routers and shards stat their files and load the new pair without a restart.
Call with (dict "name" NAME "secret" SECRET).
*/}}
{{- define "shardmesh.tlsVolume" -}}
- name: tls
  secret:
    secretName: {{ .secret }}
    # 0440: readable by the pod's fsGroup, which the processes run in.
    defaultMode: 288
    items:
      - key: ca.crt
        path: ca.pem
      - key: tls.crt
        path: {{ .name }}.pem
      - key: tls.key
        path: {{ .name }}-key.pem
{{- end -}}

{{/*
Readiness and liveness: one grpc.health.v1 Check over mutual TLS with the pod's own certificate.
Kubelet's `grpc:` probes speak plaintext only, and every shardmesh port demands TLS with a client
certificate, so the probe is an exec of dist/cli/health-probe-main.js (grpc-js and the
certificates only, not ONNX Runtime). A draining pod answers NOT_SERVING: not ready at once.
Call with (dict "name" NAME "port" PORT "probes" .Values.probes "initialDelaySeconds" N).
*/}}
{{- define "shardmesh.probes" -}}
readinessProbe:
  exec:
    command: [node, dist/cli/health-probe-main.js, --certs, /etc/shardmesh/tls, --name, {{ .name }}, --port, {{ .port | quote }}, --timeout-ms, {{ mul .probes.timeoutSeconds 1000 | quote }}]
  periodSeconds: {{ .probes.periodSeconds }}
  timeoutSeconds: {{ .probes.timeoutSeconds }}
  failureThreshold: {{ .probes.failureThreshold }}
livenessProbe:
  exec:
    command: [node, dist/cli/health-probe-main.js, --certs, /etc/shardmesh/tls, --name, {{ .name }}, --port, {{ .port | quote }}, --timeout-ms, {{ mul .probes.timeoutSeconds 1000 | quote }}]
  periodSeconds: {{ .probes.periodSeconds }}
  timeoutSeconds: {{ .probes.timeoutSeconds }}
  failureThreshold: {{ .probes.failureThreshold }}
startupProbe:
  exec:
    command: [node, dist/cli/health-probe-main.js, --certs, /etc/shardmesh/tls, --name, {{ .name }}, --port, {{ .port | quote }}, --timeout-ms, {{ mul .probes.timeoutSeconds 1000 | quote }}]
  periodSeconds: 5
  timeoutSeconds: {{ .probes.timeoutSeconds }}
  failureThreshold: {{ .probes.startupFailureThreshold }}
{{- end -}}

{{- define "shardmesh.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Env every container gets: its pod's name and IP, and its node's IP (for the Consul agent). */}}
{{- define "shardmesh.env" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: HOST_IP
  valueFrom:
    fieldRef:
      fieldPath: status.hostIP
{{- end -}}
