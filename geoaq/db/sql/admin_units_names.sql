-- Name and level of every administrative unit.
SELECT adcode, name, level, parent_adcode FROM admin_units
