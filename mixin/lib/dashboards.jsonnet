// make build: one file per dashboard, for `jsonnet -S -m dashboards_out`.
// `config` overrides _config.
function(config={})
  local dashboards = ((import '../mixin.libsonnet') + { _config+:: config }).grafanaDashboards;
  { [name]: std.manifestJsonEx(dashboards[name], '  ') + '\n' for name in std.objectFields(dashboards) }
