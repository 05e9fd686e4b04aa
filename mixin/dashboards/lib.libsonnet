// Just enough of Grafana's dashboard model for one dashboard, in plain
// jsonnet: panels, queries, variables and a grid layout.
{
  local datasource = { type: 'prometheus', uid: '${datasource}' },

  // A range query, or an instant one for tables and bar gauges.
  query(expr, legend='', instant=false):: {
    datasource: datasource,
    expr: expr,
    legendFormat: legend,
    range: !instant,
    instant: instant,
    [if instant then 'format']: 'table',
  },

  local panel(type, title, description, queries, unit) = {
    type: type,
    title: title,
    description: description,
    datasource: datasource,
    // Grafana wants a distinct refId per query of a panel.
    targets: [queries[i] { refId: std.char(std.codepoint('A') + i) } for i in std.range(0, std.length(queries) - 1)],
    fieldConfig: { defaults: { unit: unit }, overrides: [] },
    options: {},
  },

  timeseries(title, description, queries, unit='short', stack=false, style='line', min=null, max=null):: panel('timeseries', title, description, queries, unit) {
    fieldConfig+: {
      defaults+: {
        [if min != null then 'min']: min,
        [if max != null then 'max']: max,
        custom: {
          drawStyle: style,
          lineWidth: 1,
          fillOpacity: if stack then 70 else 10,
          showPoints: if style == 'points' then 'always' else 'never',
          pointSize: 5,
          spanNulls: false,
          stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
        },
      },
    },
    options: {
      legend: { displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  },

  // Red below (or above) a threshold, drawn as a dashed line.
  withThreshold(value, redBelow=true):: {
    fieldConfig+: {
      defaults+: {
        thresholds: {
          mode: 'absolute',
          steps: if redBelow then
            [{ color: 'red', value: null }, { color: 'green', value: value }]
          else
            [{ color: 'green', value: null }, { color: 'red', value: value }],
        },
        custom+: { thresholdsStyle: { mode: 'dashed' } },
      },
    },
  },

  // One row per series: `columns` maps each query's refId to a heading, and
  // the queries are joined on the labels they share.
  table(title, description, queries, columns):: panel('table', title, description, queries, 'none') {
    transformations: [
      { id: 'merge', options: {} },
      {
        id: 'organize',
        options: {
          excludeByName: { Time: true },
          renameByName: { ['Value #' + ref]: columns[ref] for ref in std.objectFields(columns) },
        },
      },
    ],
    options: { showHeader: true, cellHeight: 'sm' },
  },

  bargauge(title, description, queries, unit='short'):: panel('bargauge', title, description, queries, unit) {
    options: {
      orientation: 'horizontal',
      displayMode: 'basic',
      showUnfilled: true,
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    },
  },

  // 1 = ok, 0 = failing, over time.
  stateTimeline(title, description, queries):: panel('state-timeline', title, description, queries, 'none') {
    fieldConfig+: {
      defaults+: {
        mappings: [{ type: 'value', options: {
          '0': { text: 'failing', color: 'red', index: 0 },
          '1': { text: 'ok', color: 'green', index: 1 },
        } }],
        color: { mode: 'thresholds' },
        thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] },
      },
    },
    options: { showValue: 'never', mergeValues: true, rowHeight: 0.8 },
  },

  datasourceVariable:: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    regex: '',
  },

  // A variable from label_values(); allValue matters because "All" is sent
  // as a regex: '.*' also matches series without the label.
  queryVariable(name, label, query, allValue='.+'):: {
    name: name,
    label: label,
    type: 'query',
    datasource: datasource,
    query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition: query,
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: allValue,
    current: {},
    hide: 0,
    regex: '',
  },

  // A panel's width in grid units (of 24), for grid().
  width(w):: { w:: w },

  // Lays out sections top to bottom: each is a row header followed by lines
  // of panels whose widths add up to at most 24 and which share height `h`.
  // Panel ids are assigned in order.
  grid(sections)::
    local place(acc, section) =
      local header = {
        type: 'row',
        title: section.title,
        collapsed: false,
        panels: [],
        id: acc.id,
        gridPos: { x: 0, y: acc.y, w: 24, h: 1 },
      };
      local placeLine(a, line) =
        local placed = std.foldl(
          function(b, p) b {
            x: b.x + p.w,
            id: b.id + 1,
            panels+: [p { id: b.id, gridPos: { x: b.x, y: a.y, w: p.w, h: line.h } }],
          },
          line.panels,
          { x: 0, id: a.id, panels: [] },
        );
        assert placed.x <= 24 : 'panels of "%s" are wider than 24' % section.title;
        { y: a.y + line.h, id: placed.id, panels: a.panels + placed.panels };
      std.foldl(placeLine, section.lines, { y: acc.y + 1, id: acc.id + 1, panels: acc.panels + [header] });
    std.foldl(place, sections, { y: 0, id: 1, panels: [] }).panels,
}
