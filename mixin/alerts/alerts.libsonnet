// One file per concern; each adds its rule group.
(import 'nodeports.libsonnet') +
(import 'handshake.libsonnet') +
(import 'node_handshakes.libsonnet') +
(import 'failures.libsonnet') +
(import 'churn.libsonnet') +
(import 'shadow.libsonnet') +
(import 'exporter.libsonnet')
