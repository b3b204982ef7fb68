"""The public status page: what visitors may see of incidents, rendered to static files in S3 (D12).

`public` is the projection (the only door from an incident to the page), `page` the services'
states and the history, `render` the HTML and JSON, `publisher` the upload. Nothing here is on
the alarm path: the page is rebuilt by its own function from the table's stream.
"""
