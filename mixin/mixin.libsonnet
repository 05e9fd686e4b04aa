// The kubeprobe_exporter monitoring mixin. Import it and override _config:
//   (import 'mixin.libsonnet') + { _config+:: { kubeprobeSelector: 'job="kp"' } }
(import 'config.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'dashboards/dashboards.libsonnet') +
(import 'lib/add-runbook-links.libsonnet')
