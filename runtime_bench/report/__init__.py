"""report.md, the PNG plots and the `--export` formats, all rendered from results.json alone.

`render.write_report` is the entry point; `traffic_section`, `host_section` and
`phone_section` write its sections, `markdown` its tables, `plots`/`floor_plot`/`plot_style`
its figures, and `exports` the v3/csv files. It may import export/, the top-level plumbing,
runtime_bench.analysis and the constants measure/ defines (thresholds, feeds, the floor
formula); never phone/, and nothing here runs a model.
"""
