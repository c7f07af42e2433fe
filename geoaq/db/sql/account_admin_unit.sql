-- A division of admin_units by adcode: name, level (none when unknown).
SELECT name, level FROM admin_units WHERE adcode = ? LIMIT 1
