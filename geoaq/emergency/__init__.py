"""重污染天气应急 (heavy-pollution emergency response): the emission-reduction list (应急减排清单)
and its checks, warnings (预警) and the level a forecast suggests, what each enterprise must do
during a warning, inspection findings, and the response assessment afterwards.

Modules: `rules` (emergency.toml), `measures` (a measure's kind and cut), `reduction_list`
(loading and reading the list), `checks` (shares and consistency), `forecast` (level
suggestion), `alerts` (the warnings table), `response` (during a warning), `inspections`
(findings), `assessment` (after a warning).
"""
