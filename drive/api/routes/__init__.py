"""One router per resource: health, files (and folders), ask, graph."""
