"""The public, read-only views: unit and village pages, the coverage table and its
downloads, search, targets and the JSON API. Thin: each calls a selector and renders."""
