{{/* Names and labels shared by every template. */}}
{{- define "zongguan.name" -}}{{ .Release.Name }}{{- end -}}

{{- define "zongguan.labels" -}}
app.kubernetes.io/part-of: zongguan
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* The selector of one process: its name (gateway, intake, ...). */}}
{{- define "zongguan.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{/* The environment every process reads: the database as the services' role, the Kafka
cluster and its plan, the public keys, migrations and topics left to the release's jobs. */}}
{{- define "zongguan.commonEnv" -}}
- name: ZG_ENVIRONMENT
  value: {{ .Values.environment | quote }}
- name: ZG_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.database.appUrlSecret.name }}, key: {{ .Values.database.appUrlSecret.key }} }
- name: ZG_MIGRATE_ON_START
  value: "false"
- name: ZG_METRICS_PORT
  value: {{ .Values.metricsPort | quote }}
{{ include "zongguan.kafkaEnv" . }}
- name: ZG_KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef: { name: {{ .Values.kafka.saslSecret }}, key: username }
- name: ZG_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ .Values.kafka.saslSecret }}, key: password }
- name: ZG_IDENTITY_PUBLIC_KEYS
  valueFrom:
    secretKeyRef: { name: {{ .Values.keysSecret }}, key: identityPublic }
- name: ZG_QR_PUBLIC_KEYS
  valueFrom:
    secretKeyRef: { name: {{ .Values.keysSecret }}, key: qrPublic }
{{- end -}}

{{/* The cluster and the topic plan (docs/topics.md), without the account. */}}
{{- define "zongguan.kafkaEnv" -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ .Values.kafka.bootstrapServers | quote }}
- name: ZG_KAFKA_SECURITY_PROTOCOL
  value: {{ .Values.kafka.securityProtocol | quote }}
- name: ZG_KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.saslMechanism | quote }}
{{- if .Values.kafka.caSecret }}
- name: ZG_KAFKA_SSL_CAFILE
  value: /etc/zongguan/kafka-ca/ca.crt
{{- end }}
- name: ZG_KAFKA_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | quote }}
- name: ZG_KAFKA_MIN_INSYNC_REPLICAS
  value: {{ .Values.kafka.minInsyncReplicas | quote }}
- name: ZG_KAFKA_CREATE_TOPICS
  value: {{ .Values.kafka.createTopics | quote }}
- name: ZG_KAFKA_PARTITIONS
  value: {{ .Values.kafka.partitions | toJson | quote }}
{{- end -}}

{{- define "zongguan.kafkaCaVolume" -}}
{{- if .Values.kafka.caSecret }}
- name: kafka-ca
  secret: { secretName: {{ .Values.kafka.caSecret }} }
{{- end }}
{{- end -}}

{{- define "zongguan.kafkaCaMount" -}}
{{- if .Values.kafka.caSecret }}
- name: kafka-ca
  mountPath: /etc/zongguan/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "zongguan.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{- define "zongguan.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
{{- end -}}

{{/* The gateway's upstreams: each service's Kubernetes Service. */}}
{{- define "zongguan.serviceUrls" -}}
{{- $root := . -}}
{{- $urls := dict -}}
{{- range $name, $svc := .Values.services -}}
{{- if ne $name "gateway" -}}
{{- $_ := set $urls $name (printf "http://%s-%s:%v" (include "zongguan.name" $root) $name $svc.port) -}}
{{- end -}}
{{- end -}}
{{- $urls | toJson -}}
{{- end -}}
