"""HTTP endpoints served by the controller: the control API and Open311 GeoReport v2."""
