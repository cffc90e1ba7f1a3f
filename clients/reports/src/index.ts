export { ReportsClient, type ReportRange } from './reports-client.js';
