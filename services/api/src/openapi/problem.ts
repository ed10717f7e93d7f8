// The problem-details parts of OpenAPI documents are libs/http's (the owner of `problem()`), shared with ingestion's document.
export { BEARER_PROBLEMS, PROBLEM_MEDIA_TYPE, Problem, json, problems } from '@soc/http';
