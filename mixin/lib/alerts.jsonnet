// make build: prometheus_alerts.yaml. `config` overrides _config, e.g.
//   jsonnet -S --tla-code config="{probeResetFor: '1m'}" lib/alerts.jsonnet
function(config={})
  local mixin = (import '../mixin.libsonnet') + { _config+:: config };
  std.manifestYamlDoc(mixin.prometheusAlerts, indent_array_in_object=true, quote_keys=false)
