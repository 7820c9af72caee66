export { AzureOpenAIAdapter, azureChatUrl, type AzureOpenAIOptions } from './azure.js';
