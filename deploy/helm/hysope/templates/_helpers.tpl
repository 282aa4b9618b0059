{{- define "hysope.fullname" -}}{{ .Release.Name }}-gateway{{- end -}}
{{- define "hysope.labels" -}}
app.kubernetes.io/name: hysope-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
