"""The pipeline's stages, one module each, each with its one rule for "is this to be done
(again)?" and one entry point that the crawl's item pipelines, the CLI and the stage workers
all call (they only bring the inputs and take the outputs away):

    sides      the two sides of a pair (its original and its translation) and their texts
    read       a fetched page read once, for the crawl: metadata, pairing, then its clean text
    extract    clean text of a page: `extract_page` (one page), `extract_batch` (pages that
               vote together on their site's boilerplate); `extract_stored` re-extracts a store
    translate  sentences translated through a cache: `translate_texts`; `translate_store`,
               `translate_worker` for a whole store
    align      sentence alignment of pairs: `align_with_texts`; `align_stored`, `align_worker`
               for a whole store; `align_documents` for a user's own files
(the embedding and content-pairing stages come as modules of their own beside these.)

Nothing here imports Scrapy, and nothing imports a stage module from this package's
`__init__`: a command loads only the stages it runs.
"""
