{{/* The chart's name, or nameOverride. */}}
{{- define "kubeprobe-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: fullnameOverride, or <release>-<name> unless the release's name holds it. */}}
{{- define "kubeprobe-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "kubeprobe-exporter.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selects the exporter's pods; never changes between upgrades. */}}
{{- define "kubeprobe-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubeprobe-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kubeprobe-exporter.labels" -}}
{{ include "kubeprobe-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "kubeprobe-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubeprobe-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubeprobe-exporter.image" -}}
{{- $repository := required "image.repository: no image of kubeprobe_exporter is published; build and push one (README, Kubernetes) and name its repository" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (required "image.tag: the tag you pushed, or set image.digest" (toString .Values.image.tag)) }}
{{- end }}
{{- end }}

{{/*
The exporter's configuration file: configFile, or config as YAML, rendered
with tpl so that '{{ .Values.nodePorts.range }}' follows nodePorts.range.
*/}}
{{- define "kubeprobe-exporter.config" -}}
{{- if .Values.configFile }}
{{- tpl .Values.configFile . }}
{{- else }}
{{- if not .Values.config }}
{{- fail "config is empty: give the exporter's modules in config (or the whole file in configFile)" }}
{{- end }}
{{- tpl (toYaml .Values.config) . }}
{{- end }}
{{- end }}

{{/* The first and last port of nodePorts.range, as the API server reads --service-node-port-range: 30000-32767, 30000+2767 or 30000. */}}
{{- define "kubeprobe-exporter.nodePortBounds" -}}
{{- $r := toString .Values.nodePorts.range }}
{{- if regexMatch "^[0-9]+-[0-9]+$" $r }}
{{- $p := splitList "-" $r }}
{{- printf "%s %s" (index $p 0) (index $p 1) }}
{{- else if regexMatch "^[0-9]+\\+[0-9]+$" $r }}
{{- $p := splitList "+" $r }}
{{- printf "%s %d" (index $p 0) (add (atoi (index $p 0)) (atoi (index $p 1))) }}
{{- else if regexMatch "^[0-9]+$" $r }}
{{- printf "%s %s" $r $r }}
{{- else }}
{{- fail (printf "nodePorts.range %q: want the API server's --service-node-port-range, such as 30000-32767 or 30000+2767" $r) }}
{{- end }}
{{- end }}

{{/* Refuses a listenPort the kernel or IPVS may own. */}}
{{- define "kubeprobe-exporter.checkListenPort" -}}
{{- $port := int .Values.listenPort }}
{{- $b := splitList " " (include "kubeprobe-exporter.nodePortBounds" .) }}
{{- if and (ge $port (atoi (index $b 0))) (le $port (atoi (index $b 1))) }}
{{- fail (printf "listenPort %d is inside nodePorts.range %s: in the node's network namespace IPVS may own it; choose a port outside it and below 32768, such as 9878" $port (toString .Values.nodePorts.range)) }}
{{- end }}
{{- if and (ge $port 32768) (le $port 60999) }}
{{- fail (printf "listenPort %d is inside the default ephemeral port range 32768-60999, from which the kernel may have handed it out as a source port; choose a port below 32768 outside nodePorts.range, such as 9878" $port) }}
{{- end }}
{{- if or (lt $port 1) (gt $port 65535) }}
{{- fail (printf "listenPort %d: want a port from 1 to 65535" $port) }}
{{- end }}
{{- end }}

{{/* The relabelings that give /metrics the mixin's job and node labels. */}}
{{- define "kubeprobe-exporter.metricsRelabelings" -}}
# The operator names the job after the object; the mixin selects
# job="kubeprobe".
- action: replace
  targetLabel: job
  replacement: kubeprobe
# The node the exporter watches, for the alerts' descriptions and to join
# a probe's reset to its node's NodePorts.
- action: replace
  sourceLabels: [__meta_kubernetes_pod_node_name]
  targetLabel: node
# The operator labels the target with the exporter's own namespace, pod and
# container; kubeprobe_shadow_* series carry the shadowed pod's, which would
# be renamed exported_namespace and so on. The exporter is named by
# instance and node.
- action: labeldrop
  regex: namespace|pod|container
{{- end }}
