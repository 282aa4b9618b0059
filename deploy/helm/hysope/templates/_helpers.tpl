{{- define "hysope.fullname" -}}{{ .Release.Name }}-gateway{{- end -}}
{{- define "hysope.labels" -}}
app.kubernetes.io/name: hysope-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
{{- define "hysope.workerLabels" -}}
app.kubernetes.io/name: hysope-worker
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
{{- define "hysope.env" -}}
- name: HYSOPE_DATA_DIR
  value: /var/lib/hysope/data
- name: HYSOPE_DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.database.existingSecret | quote }}, key: {{ .Values.database.secretKey | quote }} }
- name: HYSOPE_OBJECT_STORE
  value: {{ .Values.objectStore.url | quote }}
- name: HYSOPE_S3_ENDPOINT
  value: {{ .Values.objectStore.endpoint | quote }}
- name: HYSOPE_S3_REGION
  value: {{ .Values.objectStore.region | quote }}
- name: HYSOPE_S3_PUBLIC_ENDPOINT
  value: {{ .Values.objectStore.publicEndpoint | quote }}
- name: HYSOPE_ASSET_ACCESS
  value: {{ .Values.objectStore.assetAccess | quote }}
- name: HYSOPE_PRESIGN_SECONDS
  value: {{ .Values.objectStore.presignSeconds | quote }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: { name: {{ .Values.objectStore.existingSecret | quote }}, key: {{ .Values.objectStore.accessKeyIdKey | quote }} }
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: { name: {{ .Values.objectStore.existingSecret | quote }}, key: {{ .Values.objectStore.secretAccessKeyKey | quote }} }
- name: HYSOPE_AMQP_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.amqp.existingSecret | quote }}, key: {{ .Values.amqp.secretKey | quote }} }
- name: HYSOPE_SIGNING_KEY
  valueFrom:
    secretKeyRef: { name: {{ .Values.signing.existingSecret | quote }}, key: {{ .Values.signing.secretKey | quote }} }
- name: HYSOPE_EXECUTOR
  value: {{ .Values.executor.kind | quote }}
- name: HYSOPE_JOB_CONCURRENCY
  value: {{ .Values.executor.concurrency | quote }}
- name: HYSOPE_K8S_IMAGE
  value: {{ .Values.executor.jobImage | quote }}
- name: HYSOPE_K8S_CLAIM
  value: {{ include "hysope.fullname" . }}-data
- name: HYSOPE_K8S_NAMESPACE
  value: {{ .Release.Namespace | quote }}
- name: HYSOPE_K8S_WORKER
  value: /opt/hysope/server/gateway/dist/production/worker.js
- name: HYSOPE_HUB_API_URL
  value: {{ .Values.hub.apiUrl | quote }}
- name: HYSOPE_RATE_LIMIT
  value: {{ .Values.rateLimit | quote }}
- name: HYSOPE_CORS_ORIGINS
  value: {{ .Values.corsOrigins | quote }}
{{- end -}}
