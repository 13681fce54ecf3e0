"""The territory patrol owns: zone types, grids, patrol points, routes, officers and absences."""
